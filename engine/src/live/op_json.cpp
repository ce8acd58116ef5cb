// The JSON form of an OT operation, as the live protocol and the live log carry it.
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/live/live.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

Array::Ptr opToJson(const ot::Op& op) {
  Array::Ptr a = new Array;
  for (const auto& c : op) {
    switch (c.kind) {
      case ot::Component::Kind::kSkip:
        a->add(static_cast<Poco::UInt64>(c.count));
        break;
      case ot::Component::Kind::kInsert:
        a->add(utf8::encode(c.text));
        break;
      case ot::Component::Kind::kDelete: {
        Object::Ptr d = new Object;
        d->set("d", static_cast<Poco::UInt64>(c.count));
        a->add(d);
        break;
      }
    }
  }
  return a;
}

std::optional<ot::Op> opFromJson(const Var& v) {
  if (v.type() != typeid(Array::Ptr)) return std::nullopt;
  const auto arr = v.extract<Array::Ptr>();
  if (!arr || arr->size() > 1000) return std::nullopt;
  ot::Op op;
  auto count = [](const Var& n) -> std::optional<std::size_t> {
    if (!n.isNumeric() || !n.isInteger()) return std::nullopt;
    const auto x = n.convert<Poco::Int64>();
    if (x <= 0 || x > 10000000) return std::nullopt;
    return static_cast<std::size_t>(x);
  };
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const Var c = arr->get(static_cast<unsigned>(i));
    if (c.isString()) {
      auto text = utf8::decode(c.convert<std::string>());
      if (!text || text->empty()) return std::nullopt;
      op.push_back({ot::Component::Kind::kInsert, 0, *text});
    } else if (c.type() == typeid(Object::Ptr)) {
      const auto o = c.extract<Object::Ptr>();
      if (!o || !o->has("d")) return std::nullopt;
      auto n = count(o->get("d"));
      if (!n) return std::nullopt;
      op.push_back({ot::Component::Kind::kDelete, *n, {}});
    } else {
      auto n = count(c);
      if (!n) return std::nullopt;
      op.push_back({ot::Component::Kind::kSkip, *n, {}});
    }
  }
  return ot::normalize(op);
}

}  // namespace sendflow::engine
