// Reading one definition file: typed access to its JSON that fails with the file name and the
// JSON path of the problem (DefinitionError), and the small checks every parser shares.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "sendflow/engine/core/language.h"
#include "sendflow/engine/definitions/definition_error.h"
#include "sendflow/engine/definitions/duration.h"

namespace sendflow::engine {

// Lower-case letter, then lower-case letters, digits and '_'; at most 64.
bool isIdentifier(std::string_view s);
bool isJsonObject(const Poco::Dynamic::Var& v);
bool isJsonArray(const Poco::Dynamic::Var& v);
std::string jsonTypeName(const Poco::Dynamic::Var& v);      // "an object", "a string", ...
std::string joined(const std::vector<std::string>& names);  // "a, b, c"

template <typename C>
bool contains(const C& c, std::string_view v) {
  return std::find(c.begin(), c.end(), v) != c.end();
}

class Reader {
 public:
  // `languages`: the languages the server offers, which a definition's per-language words
  // must be in; nullptr for a plan's stored snapshot (any well-formed tag: a language withdrawn
  // since must not make a plan unreadable). REQUIRES: *languages outlives the reader.
  explicit Reader(std::string file, const LanguageList* languages = nullptr)
      : file_(std::move(file)), languages_(languages) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const;

  // The root object; a syntax error names its line and column.
  Poco::JSON::Object::Ptr parse(const std::string& json) const;
  // Unknown keys are errors (a typo like "requird" must not pass silently).
  void keys(const Poco::JSON::Object& o, const std::string& path,
            std::initializer_list<std::string_view> required,
            std::initializer_list<std::string_view> optional) const;

  Poco::JSON::Object::Ptr object(const Poco::Dynamic::Var& v, const std::string& path) const;
  Poco::JSON::Array::Ptr array(const Poco::Dynamic::Var& v, const std::string& path) const;
  std::string string(const Poco::Dynamic::Var& v, const std::string& path) const;
  std::string identifier(const Poco::Dynamic::Var& v, const std::string& path) const;
  bool boolean(const Poco::Dynamic::Var& v, const std::string& path) const;
  double number(const Poco::Dynamic::Var& v, const std::string& path) const;
  long integer(const Poco::Dynamic::Var& v, const std::string& path, long min, long max) const;
  Duration duration(const Poco::Dynamic::Var& v, const std::string& path) const;
  // A string or an array of strings.
  std::vector<std::string> strings(const Poco::Dynamic::Var& v, const std::string& path) const;
  // f(element, path) for each element of an array.
  template <typename F>
  void each(const Poco::Dynamic::Var& v, const std::string& path, F&& f) const {
    auto a = array(v, path);
    for (std::size_t i = 0; i < a->size(); ++i)
      f(a->get(static_cast<unsigned>(i)), path + "[" + std::to_string(i) + "]");
  }

  const std::string& file() const { return file_; }
  const LanguageList* languages() const { return languages_; }

 private:
  std::string file_;
  const LanguageList* languages_;
};

}  // namespace sendflow::engine
