// Helpers shared by the files of LiveSession (session.cpp, edits.cpp, tables.cpp): the live
// log's JSON and the message a table operation is relayed as. Private to engine/src/live.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <cstdint>
#include <sstream>
#include <string>

namespace sendflow::engine::live {

// A live log record's JSON (LiveOpRecord::opJson).
inline std::string recordJson(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(v, out);
  return out.str();
}

inline bool isRowKind(const std::string& k) {
  return k == "row_add" || k == "row_remove" || k == "cell";
}

// The message a table operation is relayed (and resumed) as.
inline Poco::JSON::Object::Ptr rowMessage(const std::string& kind, std::int64_t revision,
                                          const std::string& field, const Poco::JSON::Object& op,
                                          const std::string& client, std::int64_t seq,
                                          const std::string& author) {
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(op);
  out->set("type", kind);
  out->set("revision", revision);
  out->set("field", field);
  out->set("client", client);
  out->set("seq", seq);
  out->set("author", author);
  return out;
}

}  // namespace sendflow::engine::live
