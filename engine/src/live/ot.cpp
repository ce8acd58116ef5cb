#include "sendflow/engine/live/ot.h"

#include <algorithm>
#include <utility>

namespace sendflow::engine::ot {
namespace {

using Kind = Component::Kind;

void append(Op& out, Component c) {
  if (c.length() == 0) return;
  if (!out.empty() && out.back().kind == c.kind) {
    if (c.kind == Kind::kInsert) {
      out.back().text += c.text;
    } else {
      out.back().count += c.count;
    }
    return;
  }
  out.push_back(std::move(c));
}

void trim(Op& op) {
  while (!op.empty() && op.back().kind == Kind::kSkip) op.pop_back();
}

Component skip(std::size_t n) { return Component{Kind::kSkip, n, {}}; }
Component del(std::size_t n) { return Component{Kind::kDelete, n, {}}; }

// Walks an operation, handing out pieces of at most n code points; inserts are indivisible.
class Taker {
 public:
  explicit Taker(const Op& op) : op_(op) {}

  bool done() const { return index_ >= op_.size(); }
  const Component* peek() const { return done() ? nullptr : &op_[index_]; }

  // REQUIRES: !done(). An insert is returned whole whatever n is.
  Component take(std::size_t n) {
    const Component& c = op_[index_];
    if (c.kind == Kind::kInsert) {
      ++index_;
      offset_ = 0;
      return c;
    }
    const std::size_t left = c.count - offset_;
    const std::size_t k = std::min(n, left);
    Component piece{c.kind, k, {}};
    offset_ += k;
    if (offset_ == c.count) {
      ++index_;
      offset_ = 0;
    }
    return piece;
  }

  Component takeAll() {
    const std::size_t max = static_cast<std::size_t>(-1);
    return take(max);
  }

 private:
  const Op& op_;
  std::size_t index_ = 0;
  std::size_t offset_ = 0;
};

}  // namespace

Op normalize(const Op& op) {
  Op out;
  for (const auto& c : op) append(out, c);
  trim(out);
  return out;
}

Op insertAt(std::size_t pos, std::u32string text) {
  Op op;
  append(op, skip(pos));
  append(op, Component{Kind::kInsert, 0, std::move(text)});
  return op;
}

Op deleteAt(std::size_t pos, std::size_t count) {
  Op op;
  append(op, skip(pos));
  append(op, del(count));
  trim(op);
  return op;
}

std::size_t baseLength(const Op& op) {
  std::size_t n = 0;
  for (const auto& c : op) {
    if (c.kind != Kind::kInsert) n += c.count;
  }
  return n;
}

std::optional<std::u32string> apply(const std::u32string& doc, const Op& op) {
  if (baseLength(op) > doc.size()) return std::nullopt;
  std::u32string out;
  out.reserve(doc.size());
  std::size_t pos = 0;
  for (const auto& c : op) {
    switch (c.kind) {
      case Kind::kSkip:
        out.append(doc, pos, c.count);
        pos += c.count;
        break;
      case Kind::kInsert:
        out += c.text;
        break;
      case Kind::kDelete:
        pos += c.count;
        break;
    }
  }
  out.append(doc, pos, std::u32string::npos);
  return out;
}

Op transform(const Op& op, const Op& other, Side side) {
  Op out;
  Taker taker(op);
  for (const auto& c : other) {
    switch (c.kind) {
      case Kind::kSkip: {
        std::size_t n = c.count;
        while (n > 0 && !taker.done()) {
          Component piece = taker.take(n);
          if (piece.kind != Kind::kInsert) n -= piece.count;
          append(out, std::move(piece));
        }
        break;
      }
      case Kind::kInsert: {
        // The left side's insert at the same place goes first.
        if (side == Side::kLeft && taker.peek() && taker.peek()->kind == Kind::kInsert) {
          append(out, taker.takeAll());
        }
        append(out, skip(c.text.size()));
        break;
      }
      case Kind::kDelete: {
        std::size_t n = c.count;
        while (n > 0 && !taker.done()) {
          Component piece = taker.take(n);
          if (piece.kind == Kind::kInsert) {
            append(out, std::move(piece));  // our insert survives their delete
          } else {
            n -= piece.count;  // their delete already removed what we skip or delete here
          }
        }
        break;
      }
    }
  }
  while (!taker.done()) append(out, taker.takeAll());
  trim(out);
  return out;
}

}  // namespace sendflow::engine::ot
