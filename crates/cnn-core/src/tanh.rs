//! A deterministic hyperbolic tangent, the same bits in scalar and SIMD code.
//!
//! The integration step computes `r = tanh(x)` for every unit. The platform's libm is
//! scalar, and it does not promise the same bits everywhere: glibc's `tanh` calls `expm1`,
//! which recent glibc versions dispatch at run time to a build with fused multiply-add on
//! processors that have FMA. [`tanh`] and its SIMD form (used by the fused step, through
//! pulp) are built only from IEEE basic operations: `+`, `-`, `*`, `/` rounded to
//! nearest, comparisons, selects and bit manipulation; no fused multiply-add and no
//! library call. Each lane does exactly the operations of the scalar version in the same
//! order, so every input gives the same bits on every x86-64 processor, whatever vector
//! width pulp picks ([`tanh`] is the generic kernel instantiated with `pulp::Scalar`).
//!
//! # Algorithm
//! `tanh(x) = sign(x) t(a)` with `a = |x|`. Both branches are computed for every lane and
//! the result selected; they share one division:
//! - `a < 2^-28`: `t = a` (the next term, `-a^3/3`, is below half an ulp);
//! - `a < 0.625`: `t = a + a (u P(u) / Q(u))`, `u = a^2`, with a rational approximation
//!   of degree 2 over 3 (fitted for relative error on `[0, 0.625^2]`: 6e-17);
//! - `0.625 <= a <= 19.1`: `t = 1 - 2 / (e^(2a) + 1)`. With `2a = k ln2 + 2v` (`k`
//!   rounded to nearest, `ln2` in two parts so that `v` is exact but for one rounding,
//!   `|v| <= ln2/4`), `e^(2a) = 2^k (1 + v + rho) / (1 - v + rho)`, where `rho(v^2)` is
//!   fdlibm's polynomial for `exp` (error below 2^-59); `2^k` is built in the exponent
//!   bits. Then `t = 1 - 2 (1 - v + rho) / D` with
//!   `D = (2^k + 1) + (2^k (v + rho) + (rho - v))`, whose rounding error is recovered
//!   exactly (Fast2Sum) and corrected to first order after the division, and `1 - 2 / D`
//!   is split exactly so that `t` is rounded once;
//! - `a > 19.1`: `t = 1` (`tanh(a)` rounds to 1 above `27.5 ln2 = 19.06`); `±inf` gives
//!   `±1`.
//!
//! NaN is returned as it came in (same bits), `-0.0` gives `-0.0`, subnormal and tiny
//! inputs give themselves, and no intermediate value of a finite input is subnormal (the
//! rational branch reads 0 instead of a tiny `a`), so no input takes the processor's
//! slow path.
//!
//! # Accuracy
//! Within 1 ulp of the exact value: measured over 2e7 points (`examples/tanh_accuracy.rs`:
//! 1e7 log-uniform in `[1e-300, 30]` and 1e7 in `[2^-30, 20]`, both signs, plus 1000
//! doubles each side of every region boundary) against glibc 2.36's `tanh`: 86 % equal,
//! at most 2 ulp apart; against tanh evaluated with mpmath at 60 digits, on a quarter of
//! those points and every point where the two differ by 2 ulp, the largest error is 0.851
//! ulp (glibc's: 2.13 ulp), so every result is one of the two doubles around `tanh(x)`.
//! The unit tests pin a fixed-seed sample against libm and a table of correctly rounded
//! values (`tests/data/tanh_reference.txt`).

use pulp::Simd;

/// Below this magnitude `tanh(x) = x`.
const TINY: f64 = 3.725290298461914e-9; // 2^-28
/// The rational branch is used below this magnitude, the exponential one from it.
const SMALL: f64 = 0.625;
/// Above this magnitude `tanh(x) = ±1`.
const LARGE: f64 = 19.1;

/// Numerator of `(tanh(a) - a) / a^3 ~ P(u) / Q(u)`, `u = a^2 <= 0.625^2`, ascending.
const P: [f64; 3] = [
    -0.3333333333333333,
    -0.02049891360160094,
    -0.00019918308765286296,
];
/// Denominator, ascending; `Q(0) = 1`.
const Q: [f64; 3] = [
    0.4614967408047996,
    0.02329148368021681,
    0.00020653913958414323,
];

/// fdlibm's `exp` (`e_exp.c`, P1 to P5, here as the shortest decimals of the same
/// doubles): `R(w) = r (e^r + 1) / (e^r - 1) ~ 2 + P1 w + ... + P5 w^5` with `w = r^2`,
/// `|r| <= ln2/2`, error below 2^-59; then `e^r = (R + r) / (R - r)`.
const FDLIBM_P: [f64; 5] = [
    0.16666666666666602,
    -0.0027777777777015593,
    6.613756321437934e-5,
    -1.6533902205465252e-6,
    4.1381367970572385e-8,
];
/// The same in the half variable `v = r / 2`: `(R - 2) / 2 = sum H_k (v^2)^k` with
/// `H_k = P_k 2^(2k - 1)` (exact scalings).
const H: [f64; 5] = [
    FDLIBM_P[0] * 2.0,
    FDLIBM_P[1] * 8.0,
    FDLIBM_P[2] * 32.0,
    FDLIBM_P[3] * 128.0,
    FDLIBM_P[4] * 512.0,
];

/// `2 / ln 2` (the rounded `1 / ln 2`, doubled).
const TWO_INV_LN2: f64 = 2.0 * std::f64::consts::LOG2_E;
/// Half the high part of `ln 2`: `ln2_hi = 0.6931471803691238` has 21 trailing zero bits,
/// so `k LN2_HI_HALF` is exact for `k < 2^21`.
const LN2_HI_HALF: f64 = 0.5 * f64::from_bits(0x3fe6_2e42_fee0_0000);
/// Half of `ln 2 - ln2_hi = 1.9082149292705877e-10`.
const LN2_LO_HALF: f64 = 0.5 * 1.9082149292705877e-10;
/// `1.5 * 2^52`: adding and subtracting it rounds a number below 2^51 to an integer.
const ROUND: f64 = 6755399441055744.0;
/// `2^52 + 1023`: `k + EXP_BIAS` holds the biased exponent `k + 1023` in its low bits.
const EXP_BIAS: f64 = 4503599627371519.0;

/// The hyperbolic tangent of `x`, within 1 ulp of the exact value (see the module docs);
/// the same bits as the vectorised form the integration step uses.
#[inline]
pub fn tanh(x: f64) -> f64 {
    tanh_lanes(pulp::Scalar, x)
}

/// `out[i] = tanh(x[i])`, vectorised for the processor (pulp picks AVX2 where there is
/// one); the same bits as [`tanh`] element by element.
///
/// # Panics
/// If the lengths differ.
pub fn tanh_slice(x: &[f64], out: &mut [f64]) {
    struct Op<'a> {
        x: &'a [f64],
        out: &'a mut [f64],
    }
    impl pulp::WithSimd for Op<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, simd: S) {
            tanh_into(simd, self.x, self.out);
        }
    }
    assert_eq!(x.len(), out.len(), "tanh_slice: lengths differ");
    pulp::Arch::new().dispatch(Op { x, out });
}

/// [`tanh_slice`] inside an operation pulp already dispatched: whole vectors through
/// [`tanh_lanes`], the rest through [`tanh`].
#[inline(always)]
pub(crate) fn tanh_into<S: Simd>(simd: S, x: &[f64], out: &mut [f64]) {
    assert_eq!(x.len(), out.len());
    let (xv, xt) = S::as_simd_f64s(x);
    let (ov, ot) = S::as_mut_simd_f64s(out);
    for (o, v) in ov.iter_mut().zip(xv) {
        *o = tanh_lanes(simd, *v);
    }
    for (o, v) in ot.iter_mut().zip(xt) {
        *o = tanh(*v);
    }
}

/// The kernel, once for every lane width: each lane does the operations of the scalar
/// version (`S = pulp::Scalar`) in the same order.
#[inline(always)]
pub(crate) fn tanh_lanes<S: Simd>(simd: S, x: S::f64s) -> S::f64s {
    let splat = |v: f64| simd.splat_f64s(v);
    let add = |a, b| simd.add_f64s(a, b);
    let sub = |a, b| simd.sub_f64s(a, b);
    let mul = |a, b| simd.mul_f64s(a, b);
    let one = splat(1.0);

    let a = simd.abs_f64s(x);
    let tiny = simd.less_than_f64s(a, splat(TINY));
    let small = simd.less_than_f64s(a, splat(SMALL));
    let large = simd.greater_than_f64s(a, splat(LARGE));

    // a < 0.625: a + a (u P(u) / Q(u)); a tiny `a` is replaced by 0 (no subnormal
    // products; the result is selected below).
    let s = simd.select_f64s(tiny, splat(0.0), a);
    let u = mul(s, s);
    let num_small = add(mul(add(mul(splat(P[2]), u), splat(P[1])), u), splat(P[0]));
    let den_small = add(
        mul(
            add(mul(add(mul(splat(Q[2]), u), splat(Q[1])), u), splat(Q[0])),
            u,
        ),
        one,
    );

    // 0.625 <= a <= 19.1: 1 - 2 / (e^(2a) + 1), `a` clamped into that range (a NaN
    // stays NaN). 2a = k ln2 + 2v, |v| <= ln2/4; v is exact but for the last rounding
    // (k LN2_HI_HALF is exact, and so is e - k LN2_HI_HALF by Sterbenz's lemma).
    let e = simd.select_f64s(
        small,
        splat(SMALL),
        simd.select_f64s(large, splat(LARGE), a),
    );
    let kf = sub(add(mul(e, splat(TWO_INV_LN2)), splat(ROUND)), splat(ROUND));
    let v = sub(
        sub(e, mul(kf, splat(LN2_HI_HALF))),
        mul(kf, splat(LN2_LO_HALF)),
    );
    // e^(2v) = (1 + v + rho) / (1 - v + rho) with rho = (R - 2) / 2.
    let z = mul(v, v);
    let mut rho = splat(H[4]);
    for &c in H[..4].iter().rev() {
        rho = add(splat(c), mul(z, rho));
    }
    let rho = mul(z, rho);
    let ph = add(rho, v);
    let mh = sub(rho, v);
    // 2^k from the exponent bits: k + 2^52 + 1023 has k + 1023 in its low bits, and
    // shifting them up by 52 (a product by 2^52, modulo 2^64) drops everything else.
    let biased = simd.transmute_u64s_f64s(add(kf, splat(EXP_BIAS)));
    let scale = simd.transmute_f64s_u64s(simd.mul_u64s(biased, simd.splat_u64s(1u64 << 52)));
    // (e^(2a) + 1) (1 - v + rho) / 2 = (2^k + 1) + (2^k ph + mh) = dh + dl exactly
    // (Fast2Sum: |2^k + 1| >= |2^k ph + mh|).
    let s1 = add(scale, one);
    let x1 = add(mul(scale, ph), mh);
    let dh = add(s1, x1);
    let dl = sub(x1, sub(dh, s1));

    // One division for both branches: P(u) / Q(u), or q1 = 2 / dh.
    let ratio = simd.div_f64s(
        simd.select_f64s(small, num_small, splat(2.0)),
        simd.select_f64s(small, den_small, dh),
    );
    let t_small = add(s, mul(s, mul(u, ratio)));
    // q = 2 (1 + mh) / (dh + dl) = q1 + q1 (mh - q1 dl / 2) to first order; 1 - q1 is
    // split exactly into h + l (Fast2Sum, q1 < 1/2) so that t is rounded once.
    let q1 = ratio;
    let h = sub(one, q1);
    let l = sub(sub(one, h), q1);
    let t_big = add(h, sub(l, mul(q1, sub(mh, mul(q1, mul(splat(0.5), dl))))));

    let t = simd.select_f64s(small, t_small, t_big);
    let t = simd.select_f64s(tiny, a, t);
    let t = simd.select_f64s(large, one, t);
    let signed = simd.or_f64s(t, simd.and_f64s(x, splat(-0.0)));
    simd.select_f64s(simd.equal_f64s(x, x), signed, x)
}

/// Distance in ulps between two doubles: how many doubles lie between them, plus one
/// (+0 and -0 are one apart). Used to state the accuracy of [`tanh`].
pub fn ulp_distance(a: f64, b: f64) -> u64 {
    fn key(v: f64) -> i128 {
        let b = v.to_bits() as i64 as i128;
        if b < 0 {
            i64::MIN as i128 - b
        } else {
            b
        }
    }
    (key(a) - key(b)).unsigned_abs() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::ulp_distance as ulps;

    /// The next double towards +inf (`f64::next_up` needs Rust 1.86).
    fn up(x: f64) -> f64 {
        if x == 0.0 {
            f64::from_bits(1)
        } else if x > 0.0 {
            f64::from_bits(x.to_bits() + 1)
        } else {
            f64::from_bits(x.to_bits() - 1)
        }
    }

    /// `count` doubles each side of every region boundary of the algorithm: 2^-28, 0.625,
    /// 19.1, 27.5 ln 2 (where tanh starts rounding to 1) and `(k + 1/2) ln 2 / 2`, where
    /// the reduction `2a = k ln 2 + r` switches from `k` to `k + 1`.
    fn boundaries(count: usize) -> Vec<f64> {
        let ln2 = std::f64::consts::LN_2;
        let mut centres = vec![TINY, SMALL, LARGE, 27.5 * ln2];
        centres.extend((1..56).map(|k| (k as f64 + 0.5) * ln2 / 2.0));
        let mut out = Vec::new();
        for c in centres {
            let mut v = c;
            for _ in 0..count {
                v = f64::from_bits(v.to_bits() - 1);
            }
            for _ in 0..2 * count + 1 {
                out.push(v);
                out.push(-v);
                v = up(v);
            }
        }
        out
    }

    /// `n` points with magnitudes log-uniform in [lo, hi], random signs.
    fn log_uniform(n: usize, lo: f64, hi: f64, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (lo, hi) = (lo.ln(), hi.ln());
        (0..n)
            .map(|_| {
                let m = rng.random_range(lo..hi).exp();
                if rng.random::<bool>() {
                    m
                } else {
                    -m
                }
            })
            .collect()
    }

    fn specials() -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::from_bits(1),
            -f64::from_bits(1),
            f64::from_bits(0x000f_ffff_ffff_ffff),
            1e-300,
            1e-20,
            0.5,
            1.0,
            -1.0,
            20.0,
            -22.0,
            710.0,
            1e300,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::from_bits(0x7ff0_0000_0000_0001), // signalling NaN
            f64::from_bits(0xfff8_0000_dead_beef), // negative quiet NaN with a payload
        ];
        v.extend(boundaries(3));
        v
    }

    #[test]
    fn within_two_ulp_of_libm_on_a_fixed_sample() {
        // Half of them where tanh(x) = x, half where the approximations work.
        let mut xs = log_uniform(150_000, 1e-300, 30.0, 11);
        xs.extend(log_uniform(150_000, 2f64.powi(-30), 20.0, 12));
        xs.extend(boundaries(200));
        let mut worst = (0, 0.0);
        let mut equal = 0usize;
        for &x in &xs {
            let d = ulps(tanh(x), x.tanh());
            if d > worst.0 {
                worst = (d, x);
            }
            equal += usize::from(d == 0);
        }
        // Ours is within 0.851 ulp of the exact value, glibc 2.36's within 2.13 ulp (e.g.
        // 1.85 ulp at x = -0.5416131843918474, which the reference table holds).
        assert!(worst.0 <= 2, "{} ulp at x = {:e}", worst.0, worst.1);
        assert!(equal * 10 > xs.len() * 8, "{equal} of {} equal", xs.len());
    }

    #[test]
    fn within_one_ulp_of_correctly_rounded_values() {
        // x and the correctly rounded tanh(x) as bits (tests/data/tanh_reference.py).
        let table = include_str!("../tests/data/tanh_reference.txt");
        let mut rows = 0;
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let mut it = line
                .split_whitespace()
                .map(|w| u64::from_str_radix(w, 16).expect("hex"));
            let x = f64::from_bits(it.next().expect("x"));
            let want = f64::from_bits(it.next().expect("tanh"));
            let got = tanh(x);
            assert!(ulps(got, want) <= 1, "x = {x:e}: {got:e} vs {want:e}");
            rows += 1;
        }
        assert!(rows > 1000, "{rows} rows");
    }

    #[test]
    fn special_values() {
        assert_eq!(tanh(0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f64).to_bits());
        for x in [f64::from_bits(1), f64::MIN_POSITIVE, 1e-300, 1e-100, 3.7e-9] {
            assert_eq!(tanh(x), x);
            assert_eq!(tanh(-x), -x);
        }
        for x in [19.2, 22.0, 710.0, 1e300, f64::MAX, f64::INFINITY] {
            assert_eq!(tanh(x), 1.0);
            assert_eq!(tanh(-x), -1.0);
        }
        assert_eq!(tanh(19.0), 19.0f64.tanh());
        for bits in [
            0x7ff8_0000_0000_0000u64,
            0xfff8_0000_dead_beef,
            0x7ff0_0000_0000_0001,
        ] {
            let nan = f64::from_bits(bits);
            assert_eq!(tanh(nan).to_bits(), bits, "NaN comes back as it went in");
        }
    }

    #[test]
    fn odd_and_bounded() {
        let mut xs = log_uniform(50_000, 1e-300, 30.0, 5);
        xs.extend(specials());
        for &x in xs.iter().filter(|x| !x.is_nan()) {
            let t = tanh(x);
            assert_eq!(tanh(-x).to_bits(), (-t).to_bits(), "x = {x:e}");
            assert!(t.abs() <= 1.0 && t.abs() <= x.abs(), "x = {x:e}");
        }
    }

    #[test]
    fn monotone_on_a_grid() {
        let mut xs: Vec<f64> = (0..=200_000).map(|i| -25.0 + i as f64 * 2.5e-4).collect();
        xs.extend(boundaries(300));
        xs.sort_by(f64::total_cmp);
        for w in xs.windows(2) {
            assert!(tanh(w[0]) <= tanh(w[1]), "at {:e}, {:e}", w[0], w[1]);
        }
    }

    /// `tanh_into` with an explicit instruction set, as the step calls it.
    fn with<S: Simd>(simd: S, x: &[f64]) -> Vec<f64> {
        struct Op<'a>(&'a [f64], &'a mut [f64]);
        impl pulp::WithSimd for Op<'_> {
            type Output = ();
            #[inline(always)]
            fn with_simd<S: Simd>(self, simd: S) {
                tanh_into(simd, self.0, self.1);
            }
        }
        let mut out = vec![f64::NAN; x.len()];
        simd.vectorize(Op(x, &mut out));
        out
    }

    /// Every width pulp has here (scalar; 2, 4 and 8 lanes emulated; AVX2 when the
    /// processor has it; the dispatched slice) against the scalar function, bit for bit.
    fn check_widths(x: &[f64]) {
        let want: Vec<u64> = x.iter().map(|v| tanh(*v).to_bits()).collect();
        let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
        assert_eq!(bits(with(pulp::Scalar, x)), want, "scalar");
        assert_eq!(bits(with(pulp::Scalar128b, x)), want, "2 lanes");
        assert_eq!(bits(with(pulp::Scalar256b, x)), want, "4 lanes");
        assert_eq!(bits(with(pulp::Scalar512b, x)), want, "8 lanes");
        #[cfg(target_arch = "x86_64")]
        if let Some(v3) = pulp::x86::V3::try_new() {
            assert_eq!(bits(with(v3, x)), want, "AVX2");
        }
        let mut out = vec![0.0; x.len()];
        tanh_slice(x, &mut out);
        assert_eq!(bits(out), want, "dispatched");
    }

    #[test]
    fn every_vector_width_gives_the_scalar_bits() {
        let mut xs = log_uniform(20_000, 1e-10, 30.0, 3);
        xs.extend(specials());
        check_widths(&xs);
        // Lengths that are not multiples of the lane count, at every offset.
        for len in 0..=37 {
            for start in 0..8 {
                check_widths(&xs[start..start + len]);
            }
        }
    }

    fn arbitrary_f64() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<u64>().prop_map(f64::from_bits),
            (-700.0f64..4.0, any::<bool>()).prop_map(|(e, neg)| {
                let m = e.exp();
                if neg {
                    -m
                } else {
                    m
                }
            }),
        ]
    }

    proptest! {
        #[test]
        fn widths_agree_and_libm_is_within_two_ulp(
            xs in proptest::collection::vec(arbitrary_f64(), 0..40),
        ) {
            check_widths(&xs);
            for &x in &xs {
                let t = tanh(x);
                if x.is_nan() {
                    prop_assert_eq!(t.to_bits(), x.to_bits());
                } else {
                    prop_assert!(ulps(t, x.tanh()) <= 2, "x = {:e}", x);
                    prop_assert_eq!(tanh(-x).to_bits(), (-t).to_bits());
                }
            }
        }
    }
}
