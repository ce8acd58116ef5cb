#pragma once
// Operational transformation for plain text, measured in Unicode code points.
//
// Why OT and not a CRDT: every live edit already passes through one server that must check the
// editor's permission and commit the operation to SQLite before acknowledging it, so a single
// sequencer exists anyway. With a sequencer, OT (Jupiter / ShareDB style) needs only the TP1
// property of `transform`, keeps the stored document a plain string (what the form, the PDF and
// the version hash already use), and carries no per-character metadata or tombstones that would
// grow with every keystroke of a plan's life. A CRDT would buy peer-to-peer and offline merging,
// which sendflow does not need: a plan is edited through the server or by a plain form post.
// See docs/live.md.
//
// An operation is a list of components walked over the document from position 0:
// skip n (keep n code points), insert s, delete n. Trailing skips are implied.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sendflow::engine::ot {

struct Component {
  enum class Kind { kSkip, kInsert, kDelete };
  Kind kind = Kind::kSkip;
  std::size_t count = 0;  // kSkip, kDelete: code points
  std::u32string text;    // kInsert

  std::size_t length() const { return kind == Kind::kInsert ? text.size() : count; }
  bool operator==(const Component&) const = default;
};

using Op = std::vector<Component>;

// Building blocks; the results are normalised (adjacent components merged, empty dropped,
// trailing skips trimmed).
Op insertAt(std::size_t pos, std::u32string text);
Op deleteAt(std::size_t pos, std::size_t count);
Op normalize(const Op& op);

// Code points the operation expects the document to have at least (skips + deletes).
std::size_t baseLength(const Op& op);

// Applies `op`; nullopt when it reaches past the end of `doc` (the document is left unchanged).
std::optional<std::u32string> apply(const std::u32string& doc, const Op& op);

// Which of two concurrent inserts at the same position goes first.
enum class Side { kLeft, kRight };

// Transforms `op` so it applies after `other` (both based on the same document).
// TP1: apply(apply(d, b), transform(a, b, kLeft)) == apply(apply(d, a), transform(b, a, kRight)).
// A delete never removes text inserted concurrently: a range containing a concurrent insert is
// split around it.
Op transform(const Op& op, const Op& other, Side side);

}  // namespace sendflow::engine::ot
