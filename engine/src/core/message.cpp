#include "sendflow/engine/core/message.h"

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/text.h"
#include "sendflow/engine/definitions/duration.h"
#include "sendflow/engine/plans/schedule.h"

namespace sendflow::engine {

TextArg TextArg::verbatim(std::string name, std::string value) {
  TextArg a;
  a.name = std::move(name);
  a.value = std::move(value);
  return a;
}

TextArg TextArg::number(std::string name, long count) {
  TextArg a;
  a.name = std::move(name);
  a.kind = Kind::kCount;
  a.count = count;
  return a;
}

TextArg TextArg::minutes(std::string name, long minutes) {
  TextArg a = number(std::move(name), minutes);
  a.kind = Kind::kMinutes;
  return a;
}

TextArg TextArg::date(std::string name, std::string isoDate) {
  TextArg a;
  a.name = std::move(name);
  a.kind = Kind::kDate;
  a.value = std::move(isoDate);
  return a;
}

TextArg TextArg::text(std::string name, Text t) {
  TextArg a;
  a.name = std::move(name);
  a.kind = Kind::kText;
  a.texts.push_back(std::move(t));
  return a;
}

TextArg TextArg::list(std::string name, std::vector<Text> items) {
  TextArg a;
  a.name = std::move(name);
  a.kind = Kind::kList;
  a.texts = std::move(items);
  return a;
}

TextArg TextArg::formWords(std::string name, std::string english,
                           std::map<std::string, std::string, std::less<>> words) {
  TextArg a;
  a.name = std::move(name);
  a.kind = Kind::kWords;
  a.value = std::move(english);
  a.words = std::move(words);
  return a;
}

TextArg TextArg::formMessage(std::string name, std::string english,
                             std::map<std::string, std::string, std::less<>> words) {
  TextArg a = formWords(std::move(name), std::move(english), std::move(words));
  a.whole = true;
  return a;
}

TextArg TextArg::duration(std::string name, std::string isoDuration) {
  TextArg a;
  a.name = std::move(name);
  a.kind = Kind::kDuration;
  a.value = std::move(isoDuration);
  return a;
}

namespace {

std::string englishOf(const TextArg& a) {
  switch (a.kind) {
    case TextArg::Kind::kCount:
      return std::to_string(a.count);
    case TextArg::Kind::kMinutes:
      return countOf(a.count, "minute", "minutes");
    case TextArg::Kind::kDate: {
      auto d = parseIsoDate(a.value);
      return d ? ukDate(*d) : a.value;
    }
    case TextArg::Kind::kText:
      return a.texts.empty() ? std::string() : a.texts.front().str();
    case TextArg::Kind::kList: {
      std::string out;
      for (const auto& t : a.texts) out += (out.empty() ? "" : ", ") + t.str();
      return out;
    }
    case TextArg::Kind::kDuration: {
      auto d = parseDuration(a.value);
      return d ? durationWords(*d) : a.value;
    }
    case TextArg::Kind::kVerbatim:
    case TextArg::Kind::kWords:
      break;
  }
  return a.value;
}

}  // namespace

std::string Text::str() const {
  std::string out;
  std::size_t i = 0;
  while (i < msgid.size()) {
    const auto open = msgid.find("{{", i);
    if (open == std::string::npos) break;
    const auto close = msgid.find("}}", open + 2);
    if (close == std::string::npos) break;
    out.append(msgid, i, open - i);
    const std::string_view name(msgid.data() + open + 2, close - open - 2);
    const TextArg* arg = nullptr;
    for (const auto& a : args)
      if (a.name == name) arg = &a;
    if (arg)
      out += englishOf(*arg);
    else
      out.append(msgid, open, close + 2 - open);
    i = close + 2;
  }
  out.append(msgid, i, std::string::npos);
  return out;
}

}  // namespace sendflow::engine
