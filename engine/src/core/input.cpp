#include "sendflow/engine/core/input.h"

#include <charconv>
#include <limits>

namespace sendflow::engine {

std::optional<std::int64_t> parseInteger(std::string_view s, std::int64_t min, std::int64_t max) {
  if (s.empty()) return std::nullopt;
  std::size_t digits = s.front() == '-' ? 1 : 0;
  if (digits == s.size()) return std::nullopt;
  for (std::size_t i = digits; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;  // out of int64 range
  if (v < min || v > max) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parseId(std::string_view s) {
  return parseInteger(s, 1, std::numeric_limits<std::int64_t>::max());
}

std::optional<Text> textProblem(std::string_view s, TextShape shape, TextArg answer) {
  answer.name = "answer";
  auto problem = [&](const char* msgid) { return Text(msgid, {std::move(answer)}); };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != 0x7F) continue;
    if (c == '\t') continue;
    if (c == '\n' || c == '\r') {
      if (shape == TextShape::kLine)
        return problem(N_("{{answer}} must be on one line (no line breaks)"));
      if (c == '\n' || (i + 1 < s.size() && s[i + 1] == '\n')) continue;
      return problem(N_("{{answer}} contains a carriage return that does not end a line"));
    }
    if (c == 0) return problem(N_("{{answer}} contains a NUL character"));
    return problem(N_("{{answer}} contains a control character"));
  }
  return std::nullopt;
}

bool checkText(std::vector<FieldError>& errs, const std::string& field, TextArg answer,
               std::string_view s, TextShape shape) {
  auto problem = textProblem(s, shape, std::move(answer));
  if (!problem) return true;
  errs.push_back(fieldError(field, std::move(*problem)));
  return false;
}

bool checkText(std::vector<FieldError>& errs, const std::string& field, const std::string& label,
               std::string_view s, TextShape shape) {
  return checkText(errs, field, TextArg::verbatim("answer", label), s, shape);
}

}  // namespace sendflow::engine
