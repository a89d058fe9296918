//! `cargo xtask check-arch`: the architecture invariants of ARCHITECTURE.md, checked
//! mechanically with `cargo tree`.
//!
//! 1. `cnn-core` knows nothing about HDF5, TOML, clap, rayon, serde or indicatif: none
//!    of them (nor a crate of their family, e.g. `serde_core`, `toml_edit`,
//!    `rayon-core`, `hdf5-metno-sys`) is among its normal dependencies, at any depth.
//! 2. The middle layer is flat: `cnn-train`, `cnn-targets` and `cnn-io` depend on
//!    `cnn-core` but not on each other, and none of them on `cnn-cli`.
//!
//! The unit test at the bottom runs the same check, so `cargo test --workspace` fails
//! when an invariant breaks.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::cmd::{cargo, display};

/// Crates (and crate families) `cnn-core` must not depend on.
pub(crate) const CORE_FORBIDDEN: &[&str] = &[
    "hdf5",
    "hdf5-metno",
    "hdf5-metno-sys",
    "toml",
    "toml_edit",
    "clap",
    "rayon",
    "serde",
    "indicatif",
];

/// The middle layer: each may depend on `cnn-core` only among workspace crates.
pub(crate) const MIDDLE_LAYER: &[&str] = &["cnn-train", "cnn-targets", "cnn-io"];

/// The top of the stack, which nothing in the workspace may depend on.
pub(crate) const TOP: &str = "cnn-cli";

/// Run every check; the error lists each violation with its dependency path.
pub(crate) fn check(root: &Path) -> Result<()> {
    let mut violations = Vec::new();

    let core = dependency_tree(root, "cnn-core")?;
    let before = violations.len();
    for path in paths_to(&core, |name| in_family(name, CORE_FORBIDDEN)) {
        violations.push(format!(
            "cnn-core must not depend on `{}`: {}",
            path.last().map_or("", String::as_str),
            path.join(" -> ")
        ));
    }
    if violations.len() == before {
        eprintln!(
            "check-arch: cnn-core ({} normal dependencies) is free of {}",
            core.len().saturating_sub(1),
            CORE_FORBIDDEN.join(", ")
        );
    }

    let before = violations.len();
    for &krate in MIDDLE_LAYER {
        let tree = dependency_tree(root, krate)?;
        let forbidden = |name: &str| name == TOP || (name != krate && MIDDLE_LAYER.contains(&name));
        for path in paths_to(&tree, forbidden) {
            violations.push(format!(
                "{krate} must not depend on `{}` (layering: cnn-train, cnn-targets and \
                 cnn-io sit side by side on cnn-core; cnn-cli is on top): {}",
                path.last().map_or("", String::as_str),
                path.join(" -> ")
            ));
        }
    }
    if violations.len() == before {
        eprintln!(
            "check-arch: {} depend on no workspace crate but cnn-core",
            MIDDLE_LAYER.join(", ")
        );
    }

    if violations.is_empty() {
        eprintln!("check-arch: ok");
        return Ok(());
    }
    let mut message = String::from("architecture invariant violated:");
    for v in &violations {
        let _ = write!(message, "\n  - {v}");
    }
    bail!(message)
}

/// True when `name` is one of `families` or a crate of that family (`serde_core`,
/// `toml_edit`, `rayon-core`, `hdf5-metno-sys`, ...).
pub(crate) fn in_family(name: &str, families: &[&str]) -> bool {
    families.iter().any(|family| {
        name == *family
            || name
                .strip_prefix(family)
                .is_some_and(|rest| rest.starts_with('-') || rest.starts_with('_'))
    })
}

/// One line of `cargo tree --prefix depth`: depth and package name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) depth: usize,
    pub(crate) name: String,
}

/// `cargo tree -p <package> -e normal --prefix depth`, parsed.
fn dependency_tree(root: &Path, package: &str) -> Result<Vec<Node>> {
    let mut cmd = cargo();
    cmd.current_dir(root).args([
        "tree", "--quiet", "-p", package, "-e", "normal", "--prefix", "depth",
    ]);
    let out = cmd
        .output()
        .with_context(|| format!("cannot run `{}`", display(&cmd)))?;
    if !out.status.success() {
        bail!(
            "`{}` failed:\n{}",
            display(&cmd),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let nodes = parse_tree(&String::from_utf8_lossy(&out.stdout))?;
    match nodes.first() {
        Some(first) if first.depth == 0 && first.name == package => Ok(nodes),
        _ => bail!(
            "unexpected output of `{}`: no root `{package}`",
            display(&cmd)
        ),
    }
}

/// Parse `cargo tree --prefix depth` output (`2rand_core v0.9.5`, one per line).
pub(crate) fn parse_tree(text: &str) -> Result<Vec<Node>> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let digits = line.bytes().take_while(u8::is_ascii_digit).count();
            let depth = line[..digits]
                .parse()
                .with_context(|| format!("no depth prefix in cargo tree line `{line}`"))?;
            let name = line[digits..]
                .split_whitespace()
                .next()
                .with_context(|| format!("no package in cargo tree line `{line}`"))?;
            Ok(Node {
                depth,
                name: name.to_string(),
            })
        })
        .collect()
}

/// For every node matching `forbidden`, the path of package names from the root to it
/// (one path per distinct offending package, at its first occurrence in the tree).
/// Offenders below another offender are not reported: the topmost one is the
/// dependency to remove.
pub(crate) fn paths_to(nodes: &[Node], forbidden: impl Fn(&str) -> bool) -> Vec<Vec<String>> {
    // (name, this node or an ancestor is an offender)
    let mut stack: Vec<(&str, bool)> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut paths = Vec::new();
    for node in nodes {
        stack.truncate(node.depth);
        let under_offender = stack.last().is_some_and(|(_, bad)| *bad);
        // The root itself is never a violation.
        let bad = node.depth > 0 && forbidden(&node.name);
        if bad && !under_offender && !seen.contains(&node.name.as_str()) {
            seen.push(&node.name);
            paths.push(
                stack
                    .iter()
                    .map(|(name, _)| *name)
                    .chain([node.name.as_str()])
                    .map(str::to_string)
                    .collect(),
            );
        }
        stack.push((&node.name, bad || under_offender));
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The invariant itself: `cargo test --workspace` fails when it breaks.
    #[test]
    fn architecture_invariants_hold() -> Result<()> {
        check(&crate::project_root())
    }

    const SAMPLE: &str = "\
0cnn-core v0.1.0 (/work/main/crates/cnn-core)
1rand v0.9.5
2rand_core v0.9.5
1cnn-helper v0.1.0 (/work/main/crates/cnn-helper)
2serde v1.0.228
3serde_core v1.0.228
3serde_derive v1.0.228 (proc-macro)
2rand v0.9.5 (*)
1hdf5-metno v0.15.0
2hdf5-metno-sys v0.15.0
1thiserror v2.0.21
";

    #[test]
    fn parses_depth_prefixed_lines() -> Result<()> {
        let nodes = parse_tree(SAMPLE)?;
        assert_eq!(nodes.len(), 11);
        assert_eq!(
            nodes[6],
            Node {
                depth: 3,
                name: "serde_derive".into()
            }
        );
        Ok(())
    }

    #[test]
    fn reports_the_path_to_each_offender() -> Result<()> {
        let nodes = parse_tree(SAMPLE)?;
        let paths = paths_to(&nodes, |n| in_family(n, CORE_FORBIDDEN));
        let rendered: Vec<String> = paths.iter().map(|p| p.join(" -> ")).collect();
        assert_eq!(
            rendered,
            ["cnn-core -> cnn-helper -> serde", "cnn-core -> hdf5-metno"]
        );
        Ok(())
    }

    #[test]
    fn family_matching_is_not_a_plain_prefix() {
        assert!(in_family("toml_edit", CORE_FORBIDDEN));
        assert!(in_family("rayon-core", CORE_FORBIDDEN));
        assert!(!in_family("tomlish", CORE_FORBIDDEN));
        assert!(!in_family("serdex", CORE_FORBIDDEN));
        assert!(!in_family("rand", CORE_FORBIDDEN));
    }

    #[test]
    fn clean_tree_has_no_paths() -> Result<()> {
        let nodes = parse_tree("0cnn-core v0.1.0\n1rand v0.9.5\n2rand_core v0.9.5\n")?;
        assert!(paths_to(&nodes, |n| in_family(n, CORE_FORBIDDEN)).is_empty());
        Ok(())
    }
}
