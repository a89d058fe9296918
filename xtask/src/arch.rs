//! `cargo xtask check-arch`: the architecture invariants of ARCHITECTURE.md, checked
//! mechanically, the dependency rules with `cargo tree`, the source rules by reading the
//! sources (see [`source`] for how).
//!
//! 1. `cnn-core` knows nothing about HDF5, TOML, clap, rayon, serde or indicatif: none
//!    of them (nor a crate of their family, e.g. `serde_core`, `toml_edit`,
//!    `rayon-core`, `hdf5-metno-sys`) is among its normal dependencies, at any depth
//!    ([`CORE_FORBIDDEN`]).
//! 2. Layers point one way ([`layer_forbids`]): `cnn-core` depends on no workspace
//!    crate; the middle layer (`cnn-train`, `cnn-targets`, `cnn-io`) is flat: each
//!    depends on `cnn-core` and on no other workspace crate (not on each other, not on
//!    the engine `cnn-experiment`, not on the front ends `cnn-cli`, `cnn-py`); the
//!    engine may use `cnn-core` and the middle layer but no front end.
//! 3. The engine touches no terminal and no signal. Its normal dependencies, at any
//!    depth, include none of [`ENGINE_FORBIDDEN`] (clap, indicatif, ctrlc, plotters,
//!    crossterm, ...) nor a crate of their family; and its sources
//!    (`crates/cnn-experiment/src/**/*.rs`, comments, string contents and
//!    `#[cfg(test)]` items left out, files declared only under `#[cfg(test)]` skipped)
//!    contain none of [`ENGINE_SOURCE_FORBIDDEN`] (`println!`, `process::exit`,
//!    `std::io::stdout`, `IsTerminal`, ...), neither in the code nor as a path a `use`
//!    tree imports (`use std::io::{self, stdout}`). Skipped, with a note, while the crate
//!    does not exist.
//! 4. No module circles: in no crate target of `crates/*` and `xtask` (lib, main, bins)
//!    do two modules depend on each other, directly or around a circle; module A
//!    depends on B when A's code outside test items names a path `crate::..` or
//!    `super::..` into B, through re-exports (`crate::Network` is a path into
//!    `network`). Paths into the crate root and from a module into its own submodules
//!    are no dependency (see [`source::module_edges`]). Every circle is listed, e.g.
//!    `cnn-io: ensemble -> read -> ensemble`, with the line of each step.
//!
//! The unit test `architecture_invariants_hold` at the bottom runs the same check, so
//! `cargo test --workspace` fails when an invariant breaks; the other tests feed each
//! rule made-up inputs that break it and inputs that keep it.

mod source;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

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

/// Crates (and crate families) the engine must not depend on: terminals, progress
/// bars, colours, argument parsing, plotting and signals belong to the front ends.
pub(crate) const ENGINE_FORBIDDEN: &[&str] = &[
    "clap",
    "indicatif",
    "ctrlc",
    "plotters",
    "console",
    "termcolor",
    "crossterm",
    "signal-hook",
    "nix",
    "atty",
    "is-terminal",
    "anstream",
    "colored",
    "dialoguer",
];

/// Text the engine's code must not contain (matched where it is not part of a longer
/// identifier: `print!` is not found in `eprint!`).
pub(crate) const ENGINE_SOURCE_FORBIDDEN: &[&str] = &[
    "process::exit",
    "ctrlc::",
    "std::io::stdout",
    "std::io::stderr",
    "io::stdout()",
    "io::stderr()",
    "println!",
    "eprintln!",
    "print!",
    "eprint!",
    "IsTerminal",
];

/// The bottom of the stack.
pub(crate) const CORE: &str = "cnn-core";

/// The middle layer: each may depend on `cnn-core` only among workspace crates.
pub(crate) const MIDDLE_LAYER: &[&str] = &["cnn-train", "cnn-targets", "cnn-io"];

/// The engine, between the middle layer and the front ends.
pub(crate) const ENGINE: &str = "cnn-experiment";

/// The front ends at the top of the stack, which nothing in the workspace may depend on.
pub(crate) const TOP: &[&str] = &["cnn-cli", "cnn-py"];

/// Run every check; the error lists each violation (with its dependency path, file and
/// line, or circle).
pub(crate) fn check(root: &Path) -> Result<()> {
    let mut violations = Vec::new();

    let before = violations.len();
    let core = dependency_tree(root, CORE)?;
    violations.extend(dependency_violations(CORE, &core, CORE_FORBIDDEN));
    if violations.len() == before {
        eprintln!(
            "check-arch: {CORE} ({} normal dependencies) is free of {} and of the \
             workspace crates above it",
            core.len().saturating_sub(1),
            CORE_FORBIDDEN.join(", ")
        );
    }

    let before = violations.len();
    for &krate in MIDDLE_LAYER {
        let tree = dependency_tree(root, krate)?;
        violations.extend(dependency_violations(krate, &tree, &[]));
    }
    if violations.len() == before {
        eprintln!(
            "check-arch: {} depend on no workspace crate but {CORE}",
            MIDDLE_LAYER.join(", ")
        );
    }

    if root
        .join("crates")
        .join(ENGINE)
        .join("Cargo.toml")
        .is_file()
    {
        let before = violations.len();
        let engine = dependency_tree(root, ENGINE)?;
        violations.extend(dependency_violations(ENGINE, &engine, ENGINE_FORBIDDEN));
        if violations.len() == before {
            eprintln!(
                "check-arch: {ENGINE} ({} normal dependencies) is free of {} and of {}",
                engine.len().saturating_sub(1),
                ENGINE_FORBIDDEN.join(", "),
                TOP.join(", ")
            );
        }
    } else {
        eprintln!("check-arch: {ENGINE} does not exist yet: its dependency check is skipped");
    }

    let before = violations.len();
    match engine_source_violations(root)? {
        None => eprintln!(
            "check-arch: crates/{ENGINE}/src does not exist yet: its source check is skipped"
        ),
        Some((files, found)) => {
            violations.extend(found);
            if violations.len() == before {
                eprintln!(
                    "check-arch: crates/{ENGINE}/src ({files} files) has none of {}",
                    ENGINE_SOURCE_FORBIDDEN.join(" ")
                );
            }
        }
    }

    violations.extend(module_circles(root)?);

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

/// True when workspace crate `krate` must not depend on `dep` (the layering of
/// ARCHITECTURE.md; crates outside the workspace are never forbidden here).
pub(crate) fn layer_forbids(krate: &str, dep: &str) -> bool {
    if dep == krate {
        return false;
    }
    let above_core = MIDDLE_LAYER.contains(&dep) || dep == ENGINE || TOP.contains(&dep);
    if krate == CORE || MIDDLE_LAYER.contains(&krate) {
        above_core
    } else if krate == ENGINE {
        TOP.contains(&dep)
    } else {
        false
    }
}

/// The violations in the dependency tree of workspace crate `krate`: a crate of one
/// of `families`, or a workspace crate the layering forbids, each with its path.
pub(crate) fn dependency_violations(krate: &str, nodes: &[Node], families: &[&str]) -> Vec<String> {
    let forbidden = |name: &str| in_family(name, families) || layer_forbids(krate, name);
    paths_to(nodes, forbidden)
        .into_iter()
        .map(|path| {
            let dep = path.last().map_or("", String::as_str);
            let why = if layer_forbids(krate, dep) {
                format!(
                    " (layering: {CORE} <- {} side by side <- {ENGINE} <- {})",
                    MIDDLE_LAYER.join(", "),
                    TOP.join(", ")
                )
            } else {
                String::new()
            };
            format!(
                "{krate} must not depend on `{dep}`{why}: {}",
                path.join(" -> ")
            )
        })
        .collect()
}

/// The lines of one source file of the engine that use the terminal or signals: line
/// number (1-based) and the [`ENGINE_SOURCE_FORBIDDEN`] entries found on it.
pub(crate) fn terminal_uses(src: &str) -> Vec<(usize, Vec<&'static str>)> {
    let code = source::searchable(src);
    let mut found: Vec<(usize, Vec<&'static str>)> = Vec::new();
    let mut note =
        |line: usize, pattern: &'static str| match found.iter_mut().find(|(l, _)| *l == line) {
            Some((_, patterns)) if !patterns.contains(&pattern) => patterns.push(pattern),
            Some(_) => {}
            None => found.push((line, vec![pattern])),
        };
    for (k, line) in code.lines().enumerate() {
        for &pattern in ENGINE_SOURCE_FORBIDDEN {
            if contains_token(line, pattern) {
                note(k + 1, pattern);
            }
        }
    }
    // `use std::io::{self, stdout};` names `std::io::stdout` without writing it.
    for (line, path) in source::imports(&code) {
        let path = format!("{path}::");
        for &pattern in ENGINE_SOURCE_FORBIDDEN {
            if contains_token(&path, pattern) {
                note(line, pattern);
            }
        }
    }
    found.sort_by_key(|(line, _)| *line);
    found
}

/// True when `pattern` occurs in `text` and is not part of a longer identifier.
fn contains_token(text: &str, pattern: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(pattern).any(|(at, _)| {
        let before_ok =
            !pattern.starts_with(ident) || text[..at].chars().next_back().is_none_or(|c| !ident(c));
        let after_ok = !pattern.ends_with(ident)
            || text[at + pattern.len()..]
                .chars()
                .next()
                .is_none_or(|c| !ident(c));
        before_ok && after_ok
    })
}

/// Check the sources of the engine: `None` when `crates/cnn-experiment/src` does not
/// exist, else the number of files read and the violations.
fn engine_source_violations(root: &Path) -> Result<Option<(usize, Vec<String>)>> {
    let dir = root.join("crates").join(ENGINE);
    let src = dir.join("src");
    if !src.is_dir() {
        return Ok(None);
    }
    // Files that only tests compile (`#[cfg(test)] mod roundtrip_tests;`) are skipped;
    // files no module declares are read all the same.
    let read = |p: &Path| std::fs::read_to_string(p).ok();
    let mut live = BTreeSet::new();
    let mut test_only = BTreeSet::new();
    for (_, root_file) in source::crate_targets(&dir) {
        for m in source::module_tree(&root_file, &read).modules {
            if m.test_only {
                test_only.insert(m.file);
            } else {
                live.insert(m.file);
            }
        }
    }
    let files: Vec<PathBuf> = source::rust_files(&src)
        .with_context(|| format!("cannot list {}", src.display()))?
        .into_iter()
        .filter(|f| live.contains(f) || !test_only.contains(f))
        .collect();
    let mut violations = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let lines: Vec<&str> = text.lines().collect();
        for (line, patterns) in terminal_uses(&text) {
            let shown = lines.get(line - 1).map_or("", |l| l.trim());
            violations.push(format!(
                "{ENGINE} must not touch the terminal or signals: {}:{line}: {} in `{shown}`",
                file.strip_prefix(root).unwrap_or(file).display(),
                patterns.join(", ")
            ));
        }
    }
    Ok(Some((files.len(), violations)))
}

/// The module circles of every crate target of `crates/*` and `xtask`, one line each
/// (`cnn-io: ensemble -> read -> ensemble (ensemble -> read at src/ensemble.rs:23;
/// ...)`); prints a summary per target.
fn module_circles(root: &Path) -> Result<Vec<String>> {
    let crates = root.join("crates");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .with_context(|| format!("cannot list {}", crates.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("cannot list {}", crates.display()))?;
    dirs.retain(|d| d.join("src").is_dir());
    dirs.sort();
    dirs.push(root.join("xtask"));

    let read = |p: &Path| std::fs::read_to_string(p).ok();
    let mut violations = Vec::new();
    let mut clean = Vec::new();
    for dir in &dirs {
        for (label, root_file) in source::crate_targets(dir) {
            let tree = source::module_tree(&root_file, &read);
            let prefix = format!("{}/", root.display());
            for note in &tree.notes {
                eprintln!(
                    "check-arch: note: {} (left out of the module graph)",
                    note.replace(&prefix, "")
                );
            }
            let circles = circle_lines(&label, dir, &tree);
            if circles.is_empty() {
                clean.push(label);
            } else {
                eprintln!("check-arch: {label}: {} module circle(s)", circles.len());
                violations.extend(circles);
            }
        }
    }
    if !clean.is_empty() {
        eprintln!("check-arch: no module circle in {}", clean.join(", "));
    }
    Ok(violations)
}

/// The circles of one crate target, as report lines.
fn circle_lines(label: &str, dir: &Path, tree: &source::ModuleTree) -> Vec<String> {
    let edges = source::module_edges(tree);
    let name = |m: usize| tree.modules[m].name();
    let mut lines = Vec::new();
    for (circles, component) in source::circles(tree.modules.len(), edges.keys().copied(), name) {
        for circle in &circles {
            let mut names: Vec<String> = circle.iter().map(|&m| name(m)).collect();
            names.push(name(circle[0]));
            let steps: Vec<String> = circle
                .iter()
                .zip(circle.iter().cycle().skip(1))
                .map(|(&a, &b)| {
                    let file = &tree.modules[a].file;
                    let line = edges.get(&(a, b)).copied().unwrap_or(0);
                    format!(
                        "{} -> {} at {}:{line}",
                        name(a),
                        name(b),
                        file.strip_prefix(dir).unwrap_or(file).display()
                    )
                })
                .collect();
            lines.push(format!(
                "{label}: {} ({})",
                names.join(" -> "),
                steps.join("; ")
            ));
        }
        if circles.len() >= source::MAX_CIRCLES_PER_COMPONENT {
            let members: Vec<String> = component.iter().map(|&m| name(m)).collect();
            lines.push(format!(
                "{label}: more circles among {} (the first {} are listed)",
                members.join(", "),
                circles.len()
            ));
        }
    }
    lines
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

    const ENGINE_SAMPLE: &str = "\
0cnn-experiment v0.1.0 (/work/main/crates/cnn-experiment)
1cnn-core v0.1.0 (/work/main/crates/cnn-core)
2rand v0.9.5
1cnn-io v0.1.0 (/work/main/crates/cnn-io)
2hdf5-metno v0.15.0
1cnn-report v0.1.0 (/work/main/crates/cnn-report)
2indicatif v0.18.0
3console v0.16.0
2cnn-cli v0.1.0 (/work/main/crates/cnn-cli)
3clap v4.5.0
1signal-hook-registry v1.4.0
1toml v1.0.0
";

    #[test]
    fn engine_must_not_reach_terminals_signals_or_front_ends() -> Result<()> {
        let nodes = parse_tree(ENGINE_SAMPLE)?;
        let found = dependency_violations(ENGINE, &nodes, ENGINE_FORBIDDEN);
        let paths: Vec<&str> = found
            .iter()
            .map(|v| v.rsplit(": ").next().unwrap_or(""))
            .collect();
        assert_eq!(
            paths,
            [
                "cnn-experiment -> cnn-report -> indicatif",
                "cnn-experiment -> cnn-report -> cnn-cli",
                "cnn-experiment -> signal-hook-registry",
            ]
        );
        assert!(found[1].contains("(layering:"), "{}", found[1]);
        assert!(!found[0].contains("(layering:"), "{}", found[0]);
        Ok(())
    }

    #[test]
    fn engine_may_use_core_and_the_middle_layer() -> Result<()> {
        let nodes = parse_tree(
            "0cnn-experiment v0.1.0\n1cnn-core v0.1.0\n1cnn-train v0.1.0\n2cnn-core v0.1.0\n\
             2rayon v1.10.0\n1cnn-targets v0.1.0\n1cnn-io v0.1.0\n1toml_edit v0.25.0\n\
             1serde v1.0.0\n1colorful v0.3.0\n",
        )?;
        let found = dependency_violations(ENGINE, &nodes, ENGINE_FORBIDDEN);
        assert!(found.is_empty(), "{found:?}");
        Ok(())
    }

    #[test]
    fn lower_layers_must_not_depend_on_the_engine_or_above() -> Result<()> {
        let io = parse_tree(
            "0cnn-io v0.1.0\n1cnn-core v0.1.0\n1cnn-experiment v0.1.0\n2cnn-train v0.1.0\n",
        )?;
        assert_eq!(
            dependency_violations("cnn-io", &io, &[])
                .iter()
                .map(|v| v.rsplit(": ").next().unwrap_or(""))
                .collect::<Vec<_>>(),
            ["cnn-io -> cnn-experiment"]
        );
        let core = parse_tree("0cnn-core v0.1.0\n1cnn-py v0.1.0\n1rand v0.9.5\n")?;
        assert_eq!(dependency_violations(CORE, &core, CORE_FORBIDDEN).len(), 1);
        Ok(())
    }

    #[test]
    fn layering_points_one_way() {
        for (krate, dep, forbidden) in [
            ("cnn-core", "cnn-train", true),
            ("cnn-core", "cnn-experiment", true),
            ("cnn-train", "cnn-core", false),
            ("cnn-train", "cnn-io", true),
            ("cnn-targets", "cnn-experiment", true),
            ("cnn-io", "cnn-cli", true),
            ("cnn-experiment", "cnn-core", false),
            ("cnn-experiment", "cnn-train", false),
            ("cnn-experiment", "cnn-targets", false),
            ("cnn-experiment", "cnn-io", false),
            ("cnn-experiment", "cnn-cli", true),
            ("cnn-experiment", "cnn-py", true),
            ("cnn-cli", "cnn-experiment", false),
            ("cnn-py", "cnn-experiment", false),
        ] {
            assert_eq!(layer_forbids(krate, dep), forbidden, "{krate} -> {dep}");
        }
    }

    #[test]
    fn terminal_uses_are_reported_with_their_lines() {
        let src = "\
use std::io::{self, stdout, Write};
use std::io::IsTerminal as _;
pub fn run() -> Result<(), ()> {
    println!(\"starting\");
    eprint!(\"{}\", 1);
    let _ = writeln!(std::io::stderr(), \"x\");
    let _ = io::stdout().flush();
    ctrlc::set_handler(|| {}).ok();
    std::process::exit(2)
}
";
        assert_eq!(
            terminal_uses(src),
            [
                (1, vec!["std::io::stdout"]),
                (2, vec!["IsTerminal"]),
                (4, vec!["println!"]),
                (5, vec!["eprint!"]),
                (6, vec!["std::io::stderr", "io::stderr()"]),
                (7, vec!["io::stdout()"]),
                (8, vec!["ctrlc::"]),
                (9, vec!["process::exit"]),
            ]
        );
    }

    #[test]
    fn terminal_uses_in_comments_strings_and_tests_are_allowed() {
        let src = "\
//! Never calls `println!` or `std::process::exit`.
/// Unlike the CLI, which uses io::stdout().
pub fn report(out: &mut impl std::fmt::Write) -> std::fmt::Result {
    writeln!(out, \"println! std::io::stdout\") /* eprintln!(..) */
}
pub fn sprint(x: u8) -> String { format!(\"{x}\") }
pub fn exit_code() -> i32 { my_process::exit_code() }

#[cfg(test)]
mod tests {
    #[test]
    fn shows() {
        println!(\"{}\", super::sprint(1));
    }
}
";
        assert!(terminal_uses(src).is_empty(), "{:?}", terminal_uses(src));
    }

    #[test]
    fn tokens_do_not_match_inside_longer_identifiers() {
        assert!(contains_token("eprint!(\"\")", "eprint!"));
        assert!(!contains_token("eprint!(\"\")", "print!"));
        assert!(!contains_token("eprintln!()", "println!"));
        assert!(contains_token("std::process::exit(1)", "process::exit"));
        assert!(!contains_token("my_process::exit(1)", "process::exit"));
        assert!(!contains_token(
            "std::process::exit_code()",
            "process::exit"
        ));
        assert!(!contains_token("IsTerminalish", "IsTerminal"));
    }

    #[test]
    fn clean_tree_has_no_paths() -> Result<()> {
        let nodes = parse_tree("0cnn-core v0.1.0\n1rand v0.9.5\n2rand_core v0.9.5\n")?;
        assert!(paths_to(&nodes, |n| in_family(n, CORE_FORBIDDEN)).is_empty());
        Ok(())
    }
}
