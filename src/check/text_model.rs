//! The text oracle's independent model: what a text CRDT must end up holding after the edits the
//! nodes acknowledged, worked out from the edits alone, without calimero's RGA.
//!
//! Each edit is replayed on the text its node held just before it (recorded with the operation),
//! with the edit's own meaning (type at a place, erase a range: `CrdtOp::text_range`). Every typed
//! character is unique in a run, so a character names its edit, and the model asks two things of
//! the text every live node agrees on:
//!
//! - **which characters**: exactly those typed and never erased — none missing, none back after
//!   its erase, none typed by no operation, none twice;
//! - **in what order**: any two characters some node once held in one order are still in that
//!   order (a sequence CRDT never reorders what a replica has seen; concurrent typing at one place
//!   may interleave, but only between characters no node ever held side by side).
//!
//! When every edit saw all edits before it, the two determine the text exactly, and the merged text
//! must equal the model's; where edits were concurrent they leave only the tie-break between them,
//! which is the CRDT's own to choose (RGA: by character id), free.

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::OpRecord;
use crate::crdt::{CollectionValue, Verb};

/// The words of an order the merged text broke.
const OUT_OF_ORDER: &str = "in the merged text, the other way round on its node";

/// What one edit did in the model: the text after it on its node, and what it typed or erased.
struct Replayed<'r> {
    by: &'r OpRecord,
    after: Vec<char>,
    typed: Vec<char>,
    erased: Vec<char>,
}

fn replay(r: &OpRecord) -> Option<Replayed<'_>> {
    let Some(CollectionValue::Text(before)) = &r.before else { return None };
    let mut after: Vec<char> = before.chars().collect();
    let range = r.op.text_range(after.len())?;
    let (typed, erased) = match &r.op.verb {
        Verb::Type { text, .. } => {
            let typed: Vec<char> = text.chars().collect();
            after.splice(range.start..range.start, typed.iter().copied());
            (typed, Vec::new())
        }
        _ => (Vec::new(), after.drain(range).collect()),
    };
    Some(Replayed { by: r, after, typed, erased })
}

/// Where the agreed `text` breaks the model of `ops` (edits of `collection`), one line each.
pub(crate) fn text_problems(
    collection: &str,
    ops: &[&OpRecord],
    text: &str,
    who: &dyn Fn(&OpRecord) -> String,
) -> Vec<String> {
    let mut problems = Vec::new();
    let edits: Vec<Replayed<'_>> = ops.iter().filter_map(|r| replay(r)).collect();
    let typed: BTreeMap<char, &OpRecord> = edits.iter().flat_map(|e| e.typed.iter().map(|c| (*c, e.by))).collect();
    let erased: BTreeMap<char, &OpRecord> = edits.iter().flat_map(|e| e.erased.iter().map(|c| (*c, e.by))).collect();
    let held: Vec<char> = text.chars().collect();
    let mut seen = BTreeSet::new();
    for c in &held {
        if !seen.insert(*c) {
            problems.push(format!("{collection}: {c:?} held twice"));
        } else if let Some(by) = erased.get(c) {
            problems.push(format!("{collection}: {c:?} held after its erase {}", who(by)));
        } else if !typed.contains_key(c) {
            problems.push(format!("{collection}: {c:?} held, typed by no operation"));
        }
    }
    for (c, by) in typed.iter().filter(|(c, _)| !erased.contains_key(c) && !seen.contains(c)) {
        problems.push(format!("{collection}: {c:?} missing, typed {}", who(by)));
    }
    problems.extend(order_breaks(&edits, &held).map(|b| b.line(collection, who)));
    problems.extend(held_after_own_erase(&edits, collection, who));
    problems
}

/// Characters a node read again after it erased them itself: an edit whose text before it holds
/// a character an earlier edit of the same node erased (once per character). Read-your-erases
/// holds on every replica of a text CRDT whatever arrives meanwhile; checked edit by edit, it also
/// sees an erase that came back for a while and was erased again before the end.
fn held_after_own_erase(edits: &[Replayed<'_>], collection: &str, who: &dyn Fn(&OpRecord) -> String) -> Vec<String> {
    let mut erased: BTreeMap<(crate::ids::NodeId, char), &OpRecord> = BTreeMap::new();
    let mut reported = BTreeSet::new();
    let mut lines = Vec::new();
    for edit in edits {
        let node = edit.by.node;
        let Some(CollectionValue::Text(before)) = &edit.by.before else { continue };
        for c in before.chars() {
            if let Some(by) = erased.get(&(node, c)) {
                if reported.insert(c) {
                    lines.push(format!(
                        "{collection}: {c:?} held again before {} after its erase {}",
                        who(edit.by),
                        who(by)
                    ));
                }
            }
        }
        erased.extend(edit.erased.iter().map(|c| ((node, *c), edit.by)));
    }
    lines
}

/// An order a node held that the merged text breaks: after `edit` its node held `first` before
/// `then`, and the merged text has them the other way round.
struct Break<'e> {
    edit: &'e Replayed<'e>,
    first: char,
    then: char,
}

impl Break<'_> {
    fn line(&self, collection: &str, who: &dyn Fn(&OpRecord) -> String) -> String {
        format!("{collection}: {:?} before {:?} {OUT_OF_ORDER} after {}", self.then, self.first, who(self.edit.by))
    }
}

/// For each edit, the first pair of characters its text after it and the merged `held` order
/// differently (each cut down to the characters both hold).
fn order_breaks<'e>(edits: &'e [Replayed<'e>], held: &[char]) -> impl Iterator<Item = Break<'e>> {
    let place: BTreeMap<char, usize> = held.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    edits.iter().filter_map(move |edit| {
        let kept: Vec<char> = edit.after.iter().copied().filter(|c| place.contains_key(c)).collect();
        let mut merged = kept.clone();
        merged.sort_by_key(|c| place[c]);
        let i = (0..kept.len()).find(|i| kept[*i] != merged[*i])?;
        Some(Break { edit, first: kept[i], then: merged[i] })
    })
}

/// F18's cause, from the edits alone: the text check's order lines (as `text_problems` words
/// them) where one of the two characters was *displaced* — in the merged text, or in its node's
/// text after the edit — because a character on its chain of origins was not there. A character's
/// origin is the one just before the place it was typed, as a sequence CRDT anchors it (RGA's
/// `left`), or the one typed just before it in the same edit. calimero's RGA orders only the
/// characters the node holds and places one whose origin it does not hold (erased; or not yet
/// arrived, when sync brings entities out of causal order) after the whole text, so that order
/// was never the CRDT's.
pub(crate) fn displaced_order_lines(
    collection: &str,
    ops: &[&OpRecord],
    text: &str,
    who: &dyn Fn(&OpRecord) -> String,
) -> BTreeSet<String> {
    let edits: Vec<Replayed<'_>> = ops.iter().filter_map(|r| replay(r)).collect();
    let mut origin: BTreeMap<char, Option<char>> = BTreeMap::new();
    for edit in &edits {
        let Some(first) = edit.typed.first() else { continue };
        let at = edit.after.iter().position(|c| c == first).expect("the typed text is in the text after");
        let mut left = at.checked_sub(1).map(|i| edit.after[i]);
        for c in &edit.typed {
            origin.insert(*c, left);
            left = Some(*c);
        }
    }
    // Whether some origin on `c`'s chain is not among `holds`. Origins are always typed earlier,
    // so the walk ends.
    let displaced = |c: char, holds: &dyn Fn(char) -> bool| {
        let mut at = origin.get(&c).copied().flatten();
        while let Some(o) = at {
            if !holds(o) {
                return true;
            }
            at = origin.get(&o).copied().flatten();
        }
        false
    };
    let held: Vec<char> = text.chars().collect();
    let in_merged: BTreeSet<char> = held.iter().copied().collect();
    order_breaks(&edits, &held)
        .filter(|b| {
            let in_edit: BTreeSet<char> = b.edit.after.iter().copied().collect();
            [b.first, b.then]
                .into_iter()
                .any(|c| displaced(c, &|o| in_merged.contains(&o)) || displaced(c, &|o| in_edit.contains(&o)))
        })
        .map(|b| b.line(collection, who))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::crdt::{CollectionKind, CrdtOp};
    use crate::ids::NodeId;

    /// An edit of `doc` on a node that held `before`.
    fn edit(before: &str, verb: Verb) -> OpRecord {
        OpRecord {
            node: NodeId::new(0),
            at: Duration::ZERO,
            op: CrdtOp::new("doc", CollectionKind::Text, verb),
            returned: None,
            changed: true,
            effects: Vec::new(),
            before: Some(CollectionValue::Text(before.into())),
            setup: false,
        }
    }

    fn typed(before: &str, at: usize, text: &str) -> OpRecord {
        edit(before, Verb::Type { at, text: text.into() })
    }

    fn judge(ops: &[OpRecord], text: &str) -> (Vec<String>, BTreeSet<String>) {
        let ops: Vec<&OpRecord> = ops.iter().collect();
        let who = |r: &OpRecord| r.op.to_string();
        (text_problems("doc", &ops, text, &who), displaced_order_lines("doc", &ops, text, &who))
    }

    /// The model's text is silent where the merged text is the model's, and names each broken
    /// promise: a character missing, one back after its erase, one nobody typed, an order broken.
    #[test]
    fn the_model_fires_on_each_broken_promise_and_not_on_its_own_text() {
        let ops = [typed("", 0, "ab"), typed("ab", 1, "c"), edit("acb", Verb::Erase { at: 2, len: 1 })];
        assert_eq!(judge(&ops, "ac").0, Vec::<String>::new());
        let lines = |text| judge(&ops, text).0;
        assert_eq!(lines("a"), ["doc: 'c' missing, typed doc.insert_str(1, \"c\")"]);
        assert_eq!(lines("acb"), ["doc: 'b' held after its erase doc.delete_range(2, +1)"]);
        assert_eq!(lines("acZ"), ["doc: 'Z' held, typed by no operation"]);
        let swapped = lines("ca");
        assert_eq!(swapped.len(), 2, "{swapped:?}");
        assert!(swapped.iter().all(|l| l.starts_with("doc: 'c' before 'a' in the merged text")), "{swapped:?}");
    }

    /// F18's mechanism holds only where a named character's origin is not held: `Y` typed after
    /// `X`, `X` erased, `Y` read after `b` is F18; `b` read before `a` with every origin held is not.
    #[test]
    fn an_order_break_is_f18_only_where_an_origin_is_not_held() {
        let ops = [typed("", 0, "ab"), typed("ab", 0, "XY"), edit("XYab", Verb::Erase { at: 0, len: 1 })];
        let (lines, displaced) = judge(&ops, "abY");
        assert!(!lines.is_empty() && lines.iter().all(|l| displaced.contains(l)), "{lines:?} {displaced:?}");
        let (lines, displaced) = judge(&ops, "Yba");
        assert!(!lines.is_empty(), "b before a breaks every order the node held");
        assert!(displaced.is_empty(), "{displaced:?}");
        // Not yet arrived: bob held `Y` without `X` (sync brought it alone) and read it last.
        let early = [typed("", 0, "ab"), typed("ab", 0, "XY"), typed("abY", 3, "z")];
        let (lines, displaced) = judge(&early, "XYabz");
        assert!(!lines.is_empty() && lines.iter().all(|l| displaced.contains(l)), "{lines:?} {displaced:?}");
    }

    /// A character a node erased and then read again: the edit after the erase names it, once,
    /// even when a later erase took it away again before the end (the merged text is the model's);
    /// another node reading a character this one erased is not this check's.
    #[test]
    fn a_character_read_again_after_its_own_erase_is_named() {
        let mut ops = [
            typed("", 0, "abc"),
            edit("abc", Verb::Erase { at: 1, len: 1 }),
            typed("abc", 0, "X"),
            typed("Xabc", 0, "Y"),
            edit("YXabc", Verb::Erase { at: 3, len: 1 }),
        ];
        let lines = judge(&ops, "YXac").0;
        assert_eq!(
            lines,
            ["doc: 'b' held again before doc.insert_str(0, \"X\") after its erase doc.delete_range(1, +1)"],
            "{lines:?}"
        );
        for later in &mut ops[2..] {
            later.node = NodeId::new(1);
        }
        assert_eq!(judge(&ops, "YXac").0, Vec::<String>::new(), "bob's reads are not alice's erase's");
    }
}
