#include "app/json_log.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Message.h>
#include <Poco/NumberParser.h>

#include <sstream>
#include <string_view>

namespace sendflow::web {
namespace {

const char* levelName(Poco::Message::Priority p) {
  switch (p) {
    case Poco::Message::PRIO_FATAL:
      return "fatal";
    case Poco::Message::PRIO_CRITICAL:
      return "critical";
    case Poco::Message::PRIO_ERROR:
      return "error";
    case Poco::Message::PRIO_WARNING:
      return "warning";
    case Poco::Message::PRIO_NOTICE:
      return "notice";
    case Poco::Message::PRIO_INFORMATION:
      return "information";
    case Poco::Message::PRIO_DEBUG:
      return "debug";
    case Poco::Message::PRIO_TRACE:
      return "trace";
  }
  return "information";
}

}  // namespace

void JsonLogFormatter::format(const Poco::Message& msg, std::string& text) {
  Poco::JSON::Object line(Poco::JSON_PRESERVE_KEY_ORDER);
  line.set("time", Poco::DateTimeFormatter::format(msg.getTime(), "%Y-%m-%dT%H:%M:%S.%iZ"));
  line.set("level", levelName(msg.getPriority()));
  line.set("logger", msg.getSource());
  line.set("message", msg.getText());
  // The access log's fields (http/http.cpp): numbers stay numbers.
  for (const char* name : {"client", "method", "path", "status", "ms"}) {
    if (!msg.has(name)) continue;
    const std::string& value = msg.get(name);
    double number = 0;
    if (std::string_view(name) != "client" && std::string_view(name) != "path" &&
        Poco::NumberParser::tryParseFloat(value, number))
      line.set(name, number);
    else
      line.set(name, value);
  }
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(line, out);
  text = out.str();
}

}  // namespace sendflow::web
