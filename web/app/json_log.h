// `log.format=json`: one JSON object per line, for log shippers. Every line has "time" (UTC,
// ISO 8601 with milliseconds), "level", "logger" and "message"; the access log's lines add their
// fields ("client", "method", "path", "status", "ms") from the message's named parameters
// (Poco::Message::set), which the text format ignores.
#pragma once

#include <Poco/Formatter.h>

namespace sendflow::web {

class JsonLogFormatter : public Poco::Formatter {
 public:
  void format(const Poco::Message& msg, std::string& text) override;
};

}  // namespace sendflow::web
