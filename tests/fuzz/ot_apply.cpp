// Fuzz target: operational transformation (engine/src/live/ot.cpp) and the live wire format of an
// operation (opFromJson, engine/include/sendflow/engine/live/live.h).
//
// First byte odd: the rest is a live frame's "op" as JSON; one that decodes must apply or be
// refused cleanly, and survive opToJson/opFromJson. The same bytes as text: engine::utf8::decode
// must agree with engine::utf8::isValid (the server checks both ways) and round-trip through
// toUtf8. Even: the rest builds a document and two concurrent operations on it from small numbers,
// and the properties the live sequencer relies on are checked: apply() refuses exactly the
// operations that reach past the end, and transform() converges (TP1).
#include <Poco/JSON/Parser.h>

#include "fuzz_support.h"
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/live/live.h"
#include "sendflow/engine/live/ot.h"

using namespace sendflow;
namespace ot = engine::ot;

namespace {

class Bytes {
 public:
  Bytes(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  std::uint8_t next() { return i_ < n_ ? d_[i_++] : 0; }

 private:
  const std::uint8_t* d_;
  std::size_t n_, i_ = 0;
};

// ASCII letters, a two-byte letter, a combining mark and an emoji (outside the BMP).
char32_t codePoint(std::uint8_t b) {
  static const char32_t kExtra[] = {U'ë', U'Ł', U'\u0301', U'\U0001F600', U'\n', U' '};
  return b < 0xC0 ? U'a' + b % 26 : kExtra[b % 6];
}

std::u32string textOf(Bytes& in, std::size_t n) {
  std::u32string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(codePoint(in.next()));
  return s;
}

ot::Op opOf(Bytes& in) {
  ot::Op op;
  const int parts = in.next() % 8;
  for (int i = 0; i < parts; ++i) {
    const std::uint8_t b = in.next();
    const std::size_t n = static_cast<std::size_t>(b / 3 % 8 + 1);
    switch (b % 3) {
      case 0:
        op.push_back({ot::Component::Kind::kSkip, n, {}});
        break;
      case 1:
        op.push_back({ot::Component::Kind::kInsert, 0, textOf(in, n % 4 + 1)});
        break;
      default:
        op.push_back({ot::Component::Kind::kDelete, n, {}});
        break;
    }
  }
  return ot::normalize(op);
}

void checkApply(const std::u32string& doc, const ot::Op& op) {
  auto out = ot::apply(doc, op);
  if (ot::baseLength(op) > doc.size()) {
    if (out) fuzz::fail("apply accepted an operation reaching past the end of the document");
  } else if (!out) {
    fuzz::fail("apply refused an operation that fits the document");
  }
}

void structured(Bytes& in) {
  const std::u32string doc = textOf(in, in.next() % 32);
  const ot::Op a = opOf(in), b = opOf(in);
  checkApply(doc, a);
  checkApply(doc, b);
  if (ot::baseLength(a) > doc.size() || ot::baseLength(b) > doc.size()) return;
  const auto da = *ot::apply(doc, a), db = *ot::apply(doc, b);
  const auto left = ot::apply(db, ot::transform(a, b, ot::Side::kLeft));
  const auto right = ot::apply(da, ot::transform(b, a, ot::Side::kRight));
  if (!left || !right) fuzz::fail("a transformed operation does not fit the other's result");
  if (*left != *right) fuzz::fail("transform does not converge (TP1)");
  if (engine::utf8::decode(engine::utf8::encode(*left)) != *left)
    fuzz::fail("UTF-8 round trip changed the text");

  const std::size_t pos = in.next() % (doc.size() + 1);
  const std::u32string ins = textOf(in, in.next() % 4);
  const auto inserted = ot::apply(doc, ot::insertAt(pos, ins));
  if (!inserted || *inserted != doc.substr(0, pos) + ins + doc.substr(pos))
    fuzz::fail("insertAt does not insert where it says");
  const std::size_t count = in.next() % (doc.size() - pos + 1);
  const auto deleted = ot::apply(doc, ot::deleteAt(pos, count));
  if (!deleted || *deleted != doc.substr(0, pos) + doc.substr(pos + count))
    fuzz::fail("deleteAt does not delete what it says");
}

void wire(const std::string& text) {
  const auto decoded = engine::utf8::decode(text);
  if (decoded.has_value() != engine::utf8::isValid(text))
    fuzz::fail("engine::utf8::decode and engine::utf8::isValid disagree about this text");
  if (decoded && engine::utf8::encode(*decoded) != text)
    fuzz::fail("UTF-8 round trip changed the bytes");

  Poco::Dynamic::Var parsed;
  try {
    parsed = Poco::JSON::Parser().parse(text);
  } catch (const Poco::Exception&) {
    return;
  }
  auto op = engine::opFromJson(parsed);
  if (!op) return;
  static const std::u32string kDoc = *engine::utf8::decode("Zoë needs a ramp at the east door.\n");
  checkApply(kDoc, *op);
  if (ot::baseLength(*op) > kDoc.size()) return;  // refused: never stored nor sent on
  // What is committed to the live log is read back with opFromJson after a restart.
  auto again = engine::opFromJson(Poco::Dynamic::Var(engine::opToJson(*op)));
  if (!again || *again != *op) fuzz::fail("opToJson/opFromJson does not round-trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) {
    wire(fuzz::text(data + 1, size - 1));
  } else {
    Bytes in(data + 1, size - 1);
    structured(in);
  }
  return 0;
}
