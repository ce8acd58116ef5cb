// What every door (HTML form, JSON API, CLI, live socket) accepts as a number or as text: one
// strict parser for integers and one rule for control characters, so a field means the same
// thing whichever way it arrives.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sendflow/engine/core/error.h"

namespace sendflow::engine {

// The whole string as a decimal integer in [min, max]: ASCII digits with an optional leading
// '-', nothing else (no '+', spaces, "3abc", "0x1F", "1e3"). nullopt when malformed or out of
// range.
std::optional<std::int64_t> parseInteger(std::string_view s, std::int64_t min, std::int64_t max);
// A record id: 1 .. 2^63 - 1.
std::optional<std::int64_t> parseId(std::string_view s);

enum class TextShape {
  kLine,      // one line: names, emails, titles, short reasons. Tab allowed; no CR, LF, NUL.
  kLongText,  // paragraphs: tab and line breaks (LF, or CR LF as browsers post them) allowed.
};

// The first problem of `s` as `shape`, as a sentence about its {{answer}} for a contact to read in
// their language (core/message.h): "{{answer}} must be on one line (no line breaks)",
// "{{answer}} contains a control character", …, with `answer` (renamed "answer") filling it;
// nullopt when it is acceptable. C0 control characters other than those allowed above, and DEL,
// are refused.
std::optional<Text> textProblem(std::string_view s, TextShape shape, TextArg answer = {});

// Appends {field, the problem about `answer`} when `s` has a problem; true when it had none.
bool checkText(std::vector<FieldError>& errs, const std::string& field, TextArg answer,
               std::string_view s, TextShape shape);
// The same about an answer named in English words only ("The UPN": staff pages).
bool checkText(std::vector<FieldError>& errs, const std::string& field, const std::string& label,
               std::string_view s, TextShape shape);

}  // namespace sendflow::engine
