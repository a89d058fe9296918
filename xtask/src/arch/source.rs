//! Rust sources, read just closely enough for `check-arch`. No parser crate (xtask
//! builds from `std` and `anyhow` only): a blanker for comments and literals, brace
//! matching and `use`-tree expansion are all the code of this workspace needs.
//!
//! - [`searchable`]: a file with its comments, the contents of its string and character
//!   literals and its `#[cfg(test)]` items blanked out. Newlines and quotes stay, so
//!   line numbers are those of the file and braces can be matched. A `#[cfg(test)]`
//!   item is cut from the attribute to the end of the item found by brace matching
//!   (`#[cfg(test)] mod tests { .. }` wherever it sits, code after it is still read; a
//!   test helper; a `#[cfg(test)] mod roundtrip_tests;` declaration), and a file under
//!   `#![cfg(test)]` is cut whole. Code under `cfg(any(test, ..))` stays: it is built
//!   without tests too. This is more than the codebase's convention (the test module
//!   last, after `#[cfg(test)]`) needs, and no harder.
//! - [`module_tree`]: a crate root's `mod x;` declarations followed to files (`x.rs` or
//!   `x/mod.rs`, beside the root or a `mod.rs`, else in the folder named after the
//!   file). A module declared under `#[cfg(test)]` is test-only, and so are its
//!   descendants. Inline modules (`pub mod defaults { .. }`) belong to their file's
//!   module.
//! - [`module_edges`]: module A depends on module B when A's searchable code names a
//!   path `crate::..` or `super::..` (a `use` tree, braces nested and across lines, or
//!   a path in an expression or a type) that resolves into B. Resolution walks the
//!   segments down the module tree, then through `use` bindings: `pub use
//!   network::Network;` at the root makes `crate::Network` a path into `network`;
//!   private `use` items count too (a child may name them through `super::`), and a
//!   `use m::*` glob is followed when `m` defines or imports the name. `super::` inside
//!   an inline module counts from the inline module. A path that ends at an item of
//!   the crate root, or goes into one of A's own descendants (A declared them, as the
//!   root declares every module), is no dependency.
//! - [`circles`]: the elementary circles of each strongly connected component of that
//!   graph with more than one module.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// At most this many circles are listed per strongly connected component.
pub(crate) const MAX_CIRCLES_PER_COMPONENT: usize = 32;

/// Re-exports and globs followed in a row before a path is taken to end where it is.
const MAX_HOPS: usize = 16;

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn blank(c: char) -> char {
    if c == '\n' {
        '\n'
    } else {
        ' '
    }
}

/// A file's code for searching: comments, literal contents and `#[cfg(test)]` items
/// blanked (see the module documentation).
pub(crate) fn searchable(src: &str) -> String {
    cut_cfg_test(&code_only(src))
}

/// `src` with comments and the contents of string and character literals replaced by
/// spaces; newlines and the quotes themselves stay.
pub(crate) fn code_only(src: &str) -> String {
    let s: Vec<char> = src.chars().collect();
    let n = s.len();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < n {
        let c = s[i];
        let next = s.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < n && s[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            // Block comments nest.
            let mut depth = 0usize;
            while i < n {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(s[i]));
                    i += 1;
                }
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < n {
                match s[i] {
                    '\\' => {
                        out.push(' ');
                        if let Some(&escaped) = s.get(i + 1) {
                            out.push(blank(escaped));
                        }
                        i += 2;
                    }
                    '"' => {
                        out.push('"');
                        i += 1;
                        break;
                    }
                    other => {
                        out.push(blank(other));
                        i += 1;
                    }
                }
            }
        } else if let Some(hashes) = raw_string_start(&s, i) {
            let fence = "#".repeat(hashes);
            out.push('r');
            out.push_str(&fence);
            out.push('"');
            i += 2 + hashes;
            while i < n {
                if s[i] == '"' && (1..=hashes).all(|k| s.get(i + k) == Some(&'#')) {
                    out.push('"');
                    out.push_str(&fence);
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(s[i]));
                i += 1;
            }
        } else if c == '\'' && next == Some('\\') {
            // An escaped character literal: '\n', '\'', '\u{7f}'.
            out.push_str("'  ");
            i += 3;
            while i < n && s[i] != '\'' && s[i] != '\n' {
                out.push(' ');
                i += 1;
            }
            if s.get(i) == Some(&'\'') {
                out.push('\'');
                i += 1;
            }
        } else if c == '\'' && s.get(i + 2) == Some(&'\'') {
            // A plain character literal ('{', '"'); anything else after a quote is a
            // lifetime or a label.
            out.push_str("' '");
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// At `s[i] == 'r'` opening a raw string (`r"`, `r#"`, `br#"`, `cr"`): its number of `#`.
fn raw_string_start(s: &[char], i: usize) -> Option<usize> {
    if s[i] != 'r' {
        return None;
    }
    let prefix_ok = match i.checked_sub(1).map(|p| s[p]) {
        None => true,
        Some('b' | 'c') => i < 2 || !is_ident(s[i - 2]),
        Some(p) => !is_ident(p),
    };
    if !prefix_ok {
        return None;
    }
    let hashes = s[i + 1..].iter().take_while(|&&c| c == '#').count();
    (s.get(i + 1 + hashes) == Some(&'"')).then_some(hashes)
}

/// `code` (already [`code_only`]) with every `#[cfg(test)]` item blanked, or all of it
/// under `#![cfg(test)]`.
pub(crate) fn cut_cfg_test(code: &str) -> String {
    let mut s: Vec<char> = code.chars().collect();
    if find(&s, 0, "#![cfg(test)]").is_some() {
        return s.into_iter().map(blank).collect();
    }
    let attribute = "#[cfg(test)]";
    let mut from = 0;
    while let Some(start) = find(&s, from, attribute) {
        let end = item_end(&s, start + attribute.chars().count());
        for c in &mut s[start..end] {
            *c = blank(*c);
        }
        from = end;
    }
    s.into_iter().collect()
}

/// The first index at or after `from` where `s` continues with `pattern`.
fn find(s: &[char], from: usize, pattern: &str) -> Option<usize> {
    let p: Vec<char> = pattern.chars().collect();
    (from..=s.len().saturating_sub(p.len())).find(|&i| s[i..].starts_with(&p))
}

/// The end (exclusive) of the item that starts at `i` (after an attribute): its `;` at
/// depth 0 or its closing brace; or just before a brace closing an enclosing block (an
/// attribute on a field or the last statement).
fn item_end(s: &[char], i: usize) -> usize {
    let mut depth = 0usize;
    for (j, &c) in s.iter().enumerate().skip(i) {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            '}' if depth == 0 => return j,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            ';' if depth == 0 => return j + 1,
            _ => {}
        }
    }
    s.len()
}

/// An identifier or keyword of the code: char offsets and the brace depth it sits at.
#[derive(Debug, Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
    depth: usize,
}

fn words(s: &[char]) -> Vec<Word> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            c if is_ident(c) => {
                let start = i;
                while i < s.len() && is_ident(s[i]) {
                    i += 1;
                }
                out.push(Word {
                    start,
                    end: i,
                    depth,
                });
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn is_word(s: &[char], w: &Word, text: &str) -> bool {
    s[w.start..w.end].iter().copied().eq(text.chars())
}

fn word_text(s: &[char], w: &Word) -> String {
    s[w.start..w.end].iter().collect()
}

fn skip_ws(s: &[char], mut i: usize) -> usize {
    while s.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

/// The index of the brace closing the one at `open`, or the end of `s`.
fn matching_brace(s: &[char], open: usize) -> usize {
    let mut depth = 0usize;
    for (j, &c) in s.iter().enumerate().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    s.len()
}

/// The modules declared at the top level of `s`: `(name, Some((open, close)))` for an
/// inline `mod name { .. }`, `(name, None)` for `mod name;`. With `top_only` false,
/// inline modules at any depth.
fn mod_items(s: &[char], top_only: bool) -> Vec<(String, Option<(usize, usize)>)> {
    let ws = words(s);
    ws.windows(2)
        .filter(|w| (!top_only || w[0].depth == 0) && is_word(s, &w[0], "mod"))
        .filter(|w| s[w[0].end..w[1].start].iter().all(|c| c.is_whitespace()))
        .filter_map(|w| {
            let after = skip_ws(s, w[1].end);
            let name = word_text(s, &w[1]);
            match s.get(after) {
                Some(';') => Some((name, None)),
                Some('{') => Some((name, Some((after, matching_brace(s, after))))),
                _ => None,
            }
        })
        .collect()
}

/// One path of a `use` tree, or a path in an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UsePath {
    /// The segments as written (`crate`, `super`, `self` included).
    pub(crate) segs: Vec<String>,
    /// The `as` name, if any.
    pub(crate) alias: Option<String>,
    /// A `..::*` glob (`segs` is the module globbed).
    pub(crate) glob: bool,
    /// Char offset of the path's last segment (or of the `*`).
    pub(crate) at: usize,
}

impl UsePath {
    /// The name the path binds: its alias, else its last segment (`a::{self}` binds `a`).
    fn bound_name(&self) -> Option<&str> {
        if self.glob {
            return None;
        }
        if let Some(alias) = &self.alias {
            return Some(alias);
        }
        match self.segs.as_slice() {
            [.., parent, last] if last == "self" => Some(parent),
            [.., last] => Some(last),
            [] => None,
        }
    }
}

/// Expand the `use` tree (or expression path) at `*i` into its paths, each after `prefix`.
fn parse_use_tree(s: &[char], i: &mut usize, prefix: &[String], out: &mut Vec<UsePath>) {
    let mut segs = prefix.to_vec();
    loop {
        *i = skip_ws(s, *i);
        match s.get(*i) {
            Some('{') => {
                *i += 1;
                loop {
                    *i = skip_ws(s, *i);
                    if matches!(s.get(*i), Some('}') | None) {
                        *i += 1;
                        return;
                    }
                    parse_use_tree(s, i, &segs, out);
                    *i = skip_ws(s, *i);
                    match s.get(*i) {
                        Some(',') => *i += 1,
                        Some('}') => {
                            *i += 1;
                            return;
                        }
                        // Malformed: give up on this tree.
                        _ => return,
                    }
                }
            }
            Some('*') => {
                out.push(UsePath {
                    segs,
                    alias: None,
                    glob: true,
                    at: *i,
                });
                *i += 1;
                return;
            }
            Some(':') if segs.is_empty() && s.get(*i + 1) == Some(&':') => *i += 2,
            Some(&c) if is_ident(c) => {
                let at = *i;
                while s.get(*i).is_some_and(|&c| is_ident(c)) {
                    *i += 1;
                }
                segs.push(s[at..*i].iter().collect());
                let after = skip_ws(s, *i);
                if s.get(after) == Some(&':') && s.get(after + 1) == Some(&':') {
                    *i = after + 2;
                    continue;
                }
                let mut alias = None;
                let word_end = after + 2;
                if s[after..].starts_with(&['a', 's'])
                    && s.get(word_end).is_some_and(|c| c.is_whitespace())
                {
                    let name_start = skip_ws(s, word_end);
                    let mut name_end = name_start;
                    while s.get(name_end).is_some_and(|&c| is_ident(c)) {
                        name_end += 1;
                    }
                    alias = Some(s[name_start..name_end].iter().collect());
                    *i = name_end;
                }
                out.push(UsePath {
                    segs,
                    alias,
                    glob: false,
                    at,
                });
                return;
            }
            _ => {
                // `crate::Foo::<T>`: the path ends before the generics.
                if !segs.is_empty() {
                    out.push(UsePath {
                        segs,
                        alias: None,
                        glob: false,
                        at: i.saturating_sub(1),
                    });
                }
                return;
            }
        }
    }
}

/// The paths of every `use` item of `s`; with `top_only`, at the top level only.
fn use_items(s: &[char], top_only: bool) -> Vec<UsePath> {
    let mut out = Vec::new();
    for w in words(s) {
        if (top_only && w.depth > 0) || !is_word(s, &w, "use") {
            continue;
        }
        let mut i = w.end;
        parse_use_tree(s, &mut i, &[], &mut out);
    }
    out
}

/// Every path of `s` that starts with `crate::` or `super::`, with the offset of its
/// first segment.
fn crate_paths(s: &[char]) -> Vec<(usize, UsePath)> {
    let ws = words(s);
    let mut out = Vec::new();
    for (k, w) in ws.iter().enumerate() {
        if !(is_word(s, w, "crate") || is_word(s, w, "super")) {
            continue;
        }
        // `super::super::x` is read from its first `super`.
        let before = s[..w.start].iter().rev().find(|c| !c.is_whitespace());
        if before == Some(&':') {
            continue;
        }
        // `pub(in crate::m)` is a visibility, not a use (`for x in crate::f()` is).
        if k > 0
            && is_word(s, &ws[k - 1], "in")
            && before == Some(&'n')
            && s[..ws[k - 1].start]
                .iter()
                .rev()
                .find(|c| !c.is_whitespace())
                == Some(&'(')
        {
            continue;
        }
        let after = skip_ws(s, w.end);
        if !(s.get(after) == Some(&':') && s.get(after + 1) == Some(&':')) {
            continue;
        }
        let mut i = w.start;
        let mut paths = Vec::new();
        parse_use_tree(s, &mut i, &[], &mut paths);
        out.extend(paths.into_iter().map(|p| (w.start, p)));
    }
    out
}

/// The names of the items defined at the top level of `s` (fn, struct, enum, ...).
fn item_names(s: &[char]) -> BTreeSet<String> {
    const ITEMS: &[&str] = &[
        "fn", "struct", "enum", "trait", "type", "const", "static", "union", "mod",
    ];
    let ws = words(s);
    ws.windows(2)
        .filter(|w| w[0].depth == 0 && ITEMS.iter().any(|k| is_word(s, &w[0], k)))
        .map(|w| word_text(s, &w[1]))
        .collect()
}

/// 1-based line of char offset `at`.
fn line_of(s: &[char], at: usize) -> usize {
    1 + s[..at.min(s.len())].iter().filter(|&&c| c == '\n').count()
}

/// The paths a file imports with `use` (at any depth), joined with `::`, with the line
/// of each path's last segment. `code` is [`searchable`] text.
pub(crate) fn imports(code: &str) -> Vec<(usize, String)> {
    let s: Vec<char> = code.chars().collect();
    use_items(&s, false)
        .into_iter()
        .map(|p| (line_of(&s, p.at), p.segs.join("::")))
        .collect()
}

/// One module of a crate: a file.
#[derive(Debug)]
pub(crate) struct Module {
    /// The path from the crate root (empty for the root).
    pub(crate) path: Vec<String>,
    /// The file.
    pub(crate) file: PathBuf,
    /// Declared under `#[cfg(test)]` (or below such a module).
    pub(crate) test_only: bool,
    /// The [`searchable`] code.
    code: Vec<char>,
}

impl Module {
    /// `a::b`, or `crate` for the root.
    pub(crate) fn name(&self) -> String {
        if self.path.is_empty() {
            "crate".to_string()
        } else {
            self.path.join("::")
        }
    }
}

/// The modules of one crate target, root first.
#[derive(Debug)]
pub(crate) struct ModuleTree {
    /// Root first, then in declaration order, breadth first.
    pub(crate) modules: Vec<Module>,
    /// Declarations whose file was not found (not a check-arch failure: the compiler
    /// reports those).
    pub(crate) notes: Vec<String>,
}

/// Follow the `mod x;` declarations from `root_file`; `read` gives a file's text, or
/// `None` when there is no such file.
pub(crate) fn module_tree(root_file: &Path, read: &dyn Fn(&Path) -> Option<String>) -> ModuleTree {
    let mut modules = Vec::new();
    let mut notes = Vec::new();
    let Some(root_src) = read(root_file) else {
        notes.push(format!("cannot read {}", root_file.display()));
        return ModuleTree { modules, notes };
    };
    let mut queue = std::collections::VecDeque::from([(
        Vec::<String>::new(),
        root_file.to_path_buf(),
        false,
        root_src,
    )]);
    while let Some((path, file, test_only, src)) = queue.pop_front() {
        let full: Vec<char> = code_only(&src).chars().collect();
        let code: Vec<char> = cut_cfg_test(&full.iter().collect::<String>())
            .chars()
            .collect();
        let live: BTreeSet<String> = mod_items(&code, true)
            .into_iter()
            .filter(|(_, inline)| inline.is_none())
            .map(|(name, _)| name)
            .collect();
        let dir = match (path.is_empty(), file.file_name()) {
            (false, Some(name)) if name != "mod.rs" => file.with_extension(""),
            _ => file.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        for (name, inline) in mod_items(&full, true) {
            if inline.is_some() {
                continue;
            }
            let candidates = [
                dir.join(format!("{name}.rs")),
                dir.join(&name).join("mod.rs"),
            ];
            let found = candidates
                .iter()
                .find_map(|f| read(f).map(|text| (f.clone(), text)));
            let Some((child_file, child_src)) = found else {
                notes.push(format!(
                    "{}: `mod {name};` but neither {} nor {} exists",
                    file.display(),
                    candidates[0].display(),
                    candidates[1].display()
                ));
                continue;
            };
            let mut child = path.clone();
            child.push(name.clone());
            queue.push_back((
                child,
                child_file,
                test_only || !live.contains(&name),
                child_src,
            ));
        }
        modules.push(Module {
            path,
            file,
            test_only,
            code,
        });
    }
    ModuleTree { modules, notes }
}

/// Resolves paths to modules (see the module documentation).
struct Resolver<'t> {
    tree: &'t ModuleTree,
    /// Module path -> index, modules built without tests only.
    index: HashMap<Vec<String>, usize>,
    /// Per module: the names its top-level `use` items bind, to the path as written.
    bindings: Vec<HashMap<String, Vec<String>>>,
    /// Per module: its top-level `use ..::*` globs, as written.
    globs: Vec<Vec<Vec<String>>>,
    /// Per module: the names of the items it defines.
    items: Vec<BTreeSet<String>>,
}

impl<'t> Resolver<'t> {
    fn new(tree: &'t ModuleTree) -> Self {
        let mut r = Resolver {
            tree,
            index: HashMap::new(),
            bindings: Vec::new(),
            globs: Vec::new(),
            items: Vec::new(),
        };
        for (k, m) in tree.modules.iter().enumerate() {
            if !m.test_only {
                r.index.insert(m.path.clone(), k);
            }
            let uses = use_items(&m.code, true);
            r.bindings.push(
                uses.iter()
                    .filter_map(|p| Some((p.bound_name()?.to_string(), p.segs.clone())))
                    .collect(),
            );
            r.globs.push(
                uses.iter()
                    .filter(|p| p.glob)
                    .map(|p| p.segs.clone())
                    .collect(),
            );
            r.items.push(item_names(&m.code));
        }
        r
    }

    /// The absolute path (from the crate root, without `crate`) of `segs` as written in
    /// `module`, at `base` (the module's path, plus the inline modules around the
    /// path); `None` for a path outside the crate.
    fn absolute(
        &self,
        module: usize,
        base: &[String],
        segs: &[String],
        hops: usize,
    ) -> Option<Vec<String>> {
        let (first, rest) = segs.split_first()?;
        let mut abs = base.to_vec();
        match first.as_str() {
            "crate" => return Some(rest.to_vec()),
            "self" => abs.extend_from_slice(rest),
            "super" => {
                let ups = segs.iter().take_while(|s| *s == "super").count();
                for _ in 0..ups {
                    abs.pop()?;
                }
                abs.extend_from_slice(&segs[ups..]);
            }
            name => {
                abs.push(name.to_string());
                if self.index.contains_key(&abs) {
                    abs.extend_from_slice(rest);
                } else {
                    // `use crate::config; use config::Experiment;`
                    let bound = self.bindings[module]
                        .get(name)
                        .filter(|_| hops < MAX_HOPS)?;
                    let own = &self.tree.modules[module].path;
                    abs = self.absolute(module, own, bound, hops + 1)?;
                    abs.extend_from_slice(rest);
                }
            }
        }
        Some(abs)
    }

    /// The module an absolute path leads into.
    fn resolve(&self, abs: &[String], hops: usize) -> Option<usize> {
        let mut cur = *self.index.get(&Vec::new())?;
        let mut path: Vec<String> = Vec::new();
        for (k, seg) in abs.iter().enumerate() {
            if seg == "self" {
                continue;
            }
            path.push(seg.clone());
            if let Some(&child) = self.index.get(&path) {
                cur = child;
                continue;
            }
            path.pop();
            if hops >= MAX_HOPS {
                return Some(cur);
            }
            let own = &self.tree.modules[cur].path;
            if let Some(bound) = self.bindings[cur].get(seg) {
                if let Some(mut target) = self.absolute(cur, own, bound, hops + 1) {
                    target.extend_from_slice(&abs[k + 1..]);
                    return self.resolve(&target, hops + 1).or(Some(cur));
                }
            }
            for glob in &self.globs[cur] {
                let Some(source) = self.absolute(cur, own, glob, hops + 1) else {
                    continue;
                };
                let Some(g) = self.resolve(&source, hops + 1) else {
                    continue;
                };
                let mut child = self.tree.modules[g].path.clone();
                child.push(seg.clone());
                let has = self.index.contains_key(&child)
                    || self.items[g].contains(seg)
                    || self.bindings[g].contains_key(seg);
                if g != cur && has {
                    let mut target = source;
                    target.extend_from_slice(&abs[k..]);
                    return self.resolve(&target, hops + 1).or(Some(cur));
                }
            }
            return Some(cur);
        }
        Some(cur)
    }
}

/// The dependencies between the modules of `tree` (indices into `tree.modules`), each
/// with the line of its first use in the depending module's file.
pub(crate) fn module_edges(tree: &ModuleTree) -> BTreeMap<(usize, usize), usize> {
    let r = Resolver::new(tree);
    let mut edges = BTreeMap::new();
    for (m, module) in tree.modules.iter().enumerate() {
        if module.test_only || module.path.is_empty() {
            continue;
        }
        let inline = mod_items(&module.code, false);
        for (start, p) in crate_paths(&module.code) {
            let mut base = module.path.clone();
            base.extend(
                inline
                    .iter()
                    .filter(|(_, range)| range.is_some_and(|(o, c)| o < start && start < c))
                    .map(|(name, _)| name.clone()),
            );
            let Some(t) = r
                .absolute(m, &base, &p.segs, 0)
                .and_then(|abs| r.resolve(&abs, 0))
            else {
                continue;
            };
            let target = &tree.modules[t].path;
            let own_descendant =
                target.len() > module.path.len() && target.starts_with(&module.path);
            if t == m || target.is_empty() || own_descendant {
                continue;
            }
            edges
                .entry((m, t))
                .or_insert_with(|| line_of(&module.code, start));
        }
    }
    edges
}

/// The circles of a graph on `n` nodes: for each strongly connected component with
/// more than one node, its elementary circles (each as its nodes in order, starting
/// at the component's node that comes first by `order`; at most
/// [`MAX_CIRCLES_PER_COMPONENT`]), then the component's nodes.
pub(crate) fn circles<K: Ord>(
    n: usize,
    edges: impl IntoIterator<Item = (usize, usize)>,
    order: impl Fn(usize) -> K,
) -> Vec<(Vec<Vec<usize>>, Vec<usize>)> {
    let mut adj = vec![Vec::new(); n];
    for (a, b) in edges {
        if a < n && b < n && a != b && !adj[a].contains(&b) {
            adj[a].push(b);
        }
    }
    for list in &mut adj {
        list.sort_by_key(|&v| order(v));
    }
    let mut out = Vec::new();
    for mut component in components(&adj) {
        if component.len() < 2 {
            continue;
        }
        component.sort_by_key(|&v| order(v));
        let mut found = Vec::new();
        for (k, &start) in component.iter().enumerate() {
            let allowed = &component[k..];
            let mut path = vec![start];
            elementary(&adj, allowed, &mut path, &mut found);
        }
        out.push((found, component));
    }
    out.sort_by_key(|(_, component)| order(component[0]));
    out
}

/// Depth-first: every simple path from `path[0]` through `allowed` that returns to it.
fn elementary(
    adj: &[Vec<usize>],
    allowed: &[usize],
    path: &mut Vec<usize>,
    found: &mut Vec<Vec<usize>>,
) {
    let Some(&last) = path.last() else { return };
    for &next in &adj[last] {
        if found.len() >= MAX_CIRCLES_PER_COMPONENT {
            return;
        }
        if next == path[0] {
            found.push(path.clone());
        } else if allowed.contains(&next) && !path.contains(&next) {
            path.push(next);
            elementary(adj, allowed, path, found);
            path.pop();
        }
    }
}

/// Tarjan's strongly connected components.
fn components(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State {
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(v: usize, adj: &[Vec<usize>], st: &mut State) {
        st.index[v] = Some(st.next);
        st.low[v] = st.next;
        st.next += 1;
        st.stack.push(v);
        st.on_stack[v] = true;
        for &w in &adj[v] {
            match st.index[w] {
                None => {
                    visit(w, adj, st);
                    st.low[v] = st.low[v].min(st.low[w]);
                }
                Some(iw) if st.on_stack[w] => st.low[v] = st.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(st.low[v]) == st.index[v] {
            let mut component = Vec::new();
            while let Some(w) = st.stack.pop() {
                st.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            st.out.push(component);
        }
    }
    let n = adj.len();
    let mut st = State {
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if st.index[v].is_none() {
            visit(v, adj, &mut st);
        }
    }
    st.out
}

/// The crate roots of the package in `dir`, each with a label for reports: `src/lib.rs`
/// (the package name), `src/main.rs` (the package name, or `NAME (bin)` beside a
/// library), `src/bin/X.rs` and `src/bin/X/main.rs` (`NAME (bin X)`).
pub(crate) fn crate_targets(dir: &Path) -> Vec<(String, PathBuf)> {
    let name = dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let src = dir.join("src");
    let mut out = Vec::new();
    let lib = src.join("lib.rs");
    let has_lib = lib.is_file();
    if has_lib {
        out.push((name.clone(), lib));
    }
    let main = src.join("main.rs");
    if main.is_file() {
        let label = if has_lib {
            format!("{name} (bin)")
        } else {
            name.clone()
        };
        out.push((label, main));
    }
    let mut bins: Vec<(String, PathBuf)> = std::fs::read_dir(src.join("bin"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            let stem = path.file_stem()?.to_string_lossy().into_owned();
            if path.extension().is_some_and(|e| e == "rs") && path.is_file() {
                Some((format!("{name} (bin {stem})"), path))
            } else if path.join("main.rs").is_file() {
                Some((format!("{name} (bin {stem})"), path.join("main.rs")))
            } else {
                None
            }
        })
        .collect();
    bins.sort();
    out.extend(bins);
    out
}

/// The `.rs` files under `dir`, sorted.
pub(crate) fn rust_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    /// A module tree from in-memory files (paths relative to `src/`).
    fn tree(files: &[(&str, &str)]) -> ModuleTree {
        let files: HashMap<PathBuf, String> = files
            .iter()
            .map(|(p, t)| (Path::new("src").join(p), (*t).to_string()))
            .collect();
        module_tree(Path::new("src/lib.rs"), &|p| files.get(p).cloned())
    }

    /// The circles of an in-memory crate, as `a -> b -> a`.
    fn circles_of(files: &[(&str, &str)]) -> Vec<String> {
        let t = tree(files);
        assert!(t.notes.is_empty(), "{:?}", t.notes);
        let edges = module_edges(&t);
        circles(t.modules.len(), edges.keys().copied(), |m| {
            t.modules[m].name()
        })
        .into_iter()
        .flat_map(|(found, _)| found)
        .map(|c| {
            let mut names: Vec<String> = c.iter().map(|&m| t.modules[m].name()).collect();
            names.push(t.modules[c[0]].name());
            names.join(" -> ")
        })
        .collect()
    }

    #[test]
    fn comments_and_literals_are_blanked_lines_kept() {
        let src = "let a = \"crate::x // }\"; // crate::y {\n\
                   /* crate::z /* nested */ { */ let b = '{';\n\
                   let c = r#\"crate::w \" {\"#; let d = '\\''; fn f<'a>(x: &'a str) {}\n\
                   let e = b\"}\"; let f = '\"'; crate::real::f();\n";
        let code = code_only(src);
        assert_eq!(code.lines().count(), src.lines().count());
        assert_eq!(code.chars().count(), src.chars().count());
        assert!(!code.contains("crate::x") && !code.contains("crate::y"));
        assert!(!code.contains("crate::z") && !code.contains("crate::w"));
        assert!(code.contains("crate::real::f()"));
        assert!(code.contains("fn f<'a>(x: &'a str) {}"));
        // Every brace left is a real one.
        assert_eq!(code.matches('{').count(), 1);
        assert_eq!(code.matches('}').count(), 1);
    }

    #[test]
    fn cfg_test_items_are_cut_and_code_after_them_kept() {
        let src = "use crate::a::A;\n\
                   #[cfg(test)]\n\
                   mod tests {\n    use crate::b::B;\n    fn f() { let s = \"}\"; }\n}\n\
                   #[cfg(test)]\nmod more_tests;\n\
                   #[cfg(test)]\n#[allow(dead_code)]\nfn helper() -> [u8; 2] { crate::c::f() }\n\
                   #[cfg(any(test, feature = \"x\"))]\nuse crate::d::D;\n\
                   struct S { #[cfg(test)] probe: crate::e::E }\n\
                   use crate::f::F;\n";
        let code = searchable(src);
        assert_eq!(code.lines().count(), src.lines().count());
        for gone in ["crate::b", "more_tests", "crate::c", "crate::e"] {
            assert!(!code.contains(gone), "{gone} should be cut:\n{code}");
        }
        for kept in ["crate::a::A", "crate::d::D", "crate::f::F", "struct S {"] {
            assert!(code.contains(kept), "{kept} should stay:\n{code}");
        }
        assert!(searchable("#![cfg(test)]\nuse crate::a::A;\n")
            .trim()
            .is_empty());
    }

    #[test]
    fn use_trees_expand_across_lines_and_nested_braces() {
        let s = chars(
            "use crate::{\n    a::{self, B as Bee},\n    c::d::*,\n    e,\n};\n\
             fn f() { let x = crate::g::h::<u8>(); super::super::k::m(); }\n\
             pub(in crate::vis) fn v() {}\n",
        );
        let rendered: Vec<String> = crate_paths(&s)
            .into_iter()
            .map(|(start, p)| {
                format!(
                    "{}:{}{}{}",
                    line_of(&s, start),
                    p.segs.join("::"),
                    if p.glob { "::*" } else { "" },
                    p.alias.map(|a| format!(" as {a}")).unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(
            rendered,
            [
                "1:crate::a::self",
                "1:crate::a::B as Bee",
                "1:crate::c::d::*",
                "1:crate::e",
                "6:crate::g::h",
                "6:super::super::k::m",
            ]
        );
        let uses = use_items(&s, true);
        let bound: Vec<&str> = uses.iter().filter_map(UsePath::bound_name).collect();
        assert_eq!(bound, ["a", "Bee", "e"]);
    }

    #[test]
    fn module_files_are_found_in_both_layouts_and_test_modules_marked() {
        let t = tree(&[
            (
                "lib.rs",
                "pub mod a;\nmod b;\npub mod inline { pub fn f() {} }\n#[cfg(test)]\nmod t;\n",
            ),
            ("a.rs", "mod d;\n"),
            ("a/d.rs", ""),
            ("b/mod.rs", "pub(crate) mod c;\n"),
            ("b/c.rs", ""),
            ("t.rs", "mod helper;\n"),
            ("t/helper.rs", ""),
        ]);
        let rendered: Vec<String> = t
            .modules
            .iter()
            .map(|m| {
                format!(
                    "{} {}{}",
                    m.name(),
                    m.file.display(),
                    if m.test_only { " test" } else { "" }
                )
            })
            .collect();
        assert_eq!(
            rendered,
            [
                "crate src/lib.rs",
                "a src/a.rs",
                "b src/b/mod.rs",
                "t src/t.rs test",
                "a::d src/a/d.rs",
                "b::c src/b/c.rs",
                "t::helper src/t/helper.rs test",
            ]
        );
        assert!(t.notes.is_empty());
        let missing = tree(&[("lib.rs", "mod gone;\n")]);
        assert_eq!(missing.notes.len(), 1, "{:?}", missing.notes);
    }

    #[test]
    fn a_circle_through_a_root_re_export_is_found() {
        let found = circles_of(&[
            (
                "lib.rs",
                "pub mod network;\npub mod observe;\npub mod error;\n\
                 pub use network::{Network, Spec};\npub use error::Error;\n\
                 pub const LIMIT: usize = 3;\n",
            ),
            // Root items and re-exports into the root-level `error` are fine.
            (
                "network.rs",
                "use crate::{Error, LIMIT};\nfn f(o: &dyn crate::observe::Observer) {}\n",
            ),
            ("observe.rs", "use crate::Network;\npub trait Observer {}\n"),
            ("error.rs", "pub enum Error {}\n"),
        ]);
        assert_eq!(found, ["network -> observe -> network"]);
    }

    #[test]
    fn a_back_edge_in_a_test_module_is_no_circle() {
        let files = [
            (
                "lib.rs",
                "pub mod network;\npub mod extensions;\npub use network::Network;\n",
            ),
            (
                "network.rs",
                "use crate::extensions::Feedback;\npub struct Network;\n",
            ),
            (
                "extensions.rs",
                "pub struct Feedback;\n// crate::network::flush() in a comment\n\
                 #[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::Network;\n}\n",
            ),
        ];
        assert!(circles_of(&files).is_empty());
        // The same back edge outside the test module is a circle.
        let mut live = files;
        live[2].1 = "pub struct Feedback;\nfn f() { crate::network::flush() }\n";
        assert_eq!(circles_of(&live), ["extensions -> network -> extensions"]);
    }

    #[test]
    fn parent_and_child_are_no_circle_but_siblings_are() {
        let found = circles_of(&[
            ("lib.rs", "mod plot;\n"),
            (
                "plot/mod.rs",
                "mod draw;\nmod ensemble;\nuse draw::Scale;\npub struct Figure;\n\
                 fn f() { crate::plot::ensemble::summary() }\n",
            ),
            // `super::{Figure, Scale}`: into the parent, and through the parent's
            // private `use` into the sibling `draw`.
            (
                "plot/ensemble.rs",
                "use super::{Figure, Scale};\npub fn summary() {}\n",
            ),
            (
                "plot/draw.rs",
                "pub struct Scale;\nfn f() { super::ensemble::summary() }\n",
            ),
        ]);
        assert_eq!(found, ["plot::draw -> plot::ensemble -> plot::draw"]);
    }

    #[test]
    fn globs_and_chained_imports_are_followed() {
        // `crate::B` through the root's globs is `b`'s, not `a`'s.
        let found = circles_of(&[
            (
                "lib.rs",
                "pub mod a;\npub mod b;\npub use a::*;\npub use b::*;\n",
            ),
            ("a.rs", "pub struct A;\nfn f() { let _ = crate::B; }\n"),
            ("b.rs", "pub struct B;\nuse crate::A;\n"),
        ]);
        assert_eq!(found, ["a -> b -> a"]);
        // `crate::Deep`: the root's `pub use inner::Deep` where `inner` is itself
        // imported (`use a::inner`).
        let found = circles_of(&[
            (
                "lib.rs",
                "pub mod a;\npub mod b;\nuse a::inner;\npub use inner::Deep;\n",
            ),
            ("a.rs", "pub mod inner;\n"),
            ("a/inner.rs", "pub struct Deep;\nfn f() { crate::b::g() }\n"),
            ("b.rs", "use crate::Deep;\npub fn g() {}\n"),
        ]);
        assert_eq!(found, ["a::inner -> b -> a::inner"]);
    }

    #[test]
    fn super_inside_an_inline_module_counts_from_it() {
        // In the inline `config::defaults`, `super::super` is the root.
        let found = circles_of(&[
            ("lib.rs", "pub mod config;\npub mod arch;\n"),
            (
                "config.rs",
                "pub struct X;\npub mod defaults {\n    use super::super::arch::A;\n}\n",
            ),
            ("arch.rs", "pub struct A;\nuse crate::config::X;\n"),
        ]);
        assert_eq!(found, ["arch -> config -> arch"]);
    }

    #[test]
    fn every_circle_of_a_component_is_listed() {
        // 0 -> 1 -> 0, 1 -> 2 -> 0, 3 alone, 4 -> 4 ignored.
        let edges = [(0, 1), (1, 0), (1, 2), (2, 0), (3, 0), (4, 4)];
        let found = circles(5, edges, |v| v);
        assert_eq!(found, [(vec![vec![0, 1], vec![0, 1, 2]], vec![0, 1, 2])]);
        assert!(circles(3, [(0, 1), (1, 2)], |v| v).is_empty());
    }
}
