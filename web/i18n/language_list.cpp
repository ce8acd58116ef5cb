#include "i18n/language_list.h"

#include <Poco/File.h>
#include <Poco/FileStream.h>

#include <algorithm>
#include <stdexcept>

namespace sendflow::web {
namespace {

std::vector<std::string> fieldsOf(const std::string& line) {
  std::vector<std::string> out;
  std::string::size_type pos = 0;
  while (pos < line.size()) {
    const auto start = line.find_first_not_of(" \t", pos);
    if (start == std::string::npos) break;
    // Fields are separated by two or more spaces (or tabs), so a name may hold one space.
    auto end = start;
    while (end < line.size()) {
      if (line[end] == '\t' ||
          (line[end] == ' ' && end + 1 < line.size() && line[end + 1] == ' ') ||
          (line[end] == ' ' && end + 1 == line.size()))
        break;
      ++end;
    }
    out.push_back(line.substr(start, end - start));
    pos = end;
  }
  return out;
}

}  // namespace

std::vector<ListedLanguage> readLanguageList(const std::string& path) {
  if (!Poco::File(path).exists())
    throw std::runtime_error("translations: " + path + " does not exist");
  Poco::FileInputStream in(path);
  std::vector<ListedLanguage> out;
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos || line[0] == '#') continue;
    const auto f = fieldsOf(line);
    const std::string where = path + ":" + std::to_string(lineNo);
    if (f.size() != 4)
      throw std::runtime_error("translations: " + where +
                               ": a line is: tag, ltr or rtl, the name in the language, the name "
                               "in English (separated by two spaces or more)");
    if (!engine::isWellFormedLanguageTag(f[0]))
      throw std::runtime_error("translations: " + where + ": \"" + f[0] +
                               "\" is not a language tag (BCP 47, e.g. ur, pa-Arab, en-GB)");
    if (f[1] != "ltr" && f[1] != "rtl")
      throw std::runtime_error("translations: " + where + ": the direction is ltr or rtl, not \"" +
                               f[1] + "\"");
    if (std::any_of(out.begin(), out.end(),
                    [&](const ListedLanguage& l) { return l.language.tag == f[0]; }))
      throw std::runtime_error("translations: " + where + ": " + f[0] + " is listed twice");
    out.push_back({Language{f[0], f[1] == "rtl", f[2], f[3]}, where});
  }
  if (std::none_of(out.begin(), out.end(),
                   [](const ListedLanguage& l) { return l.language.tag == kEnglish; }))
    throw std::runtime_error("translations: " + path + " must list " + std::string(kEnglish) +
                             " (the fallback of every other language)");
  return out;
}

engine::LanguageList languageListOf(const std::vector<Language>& languages, std::string source) {
  engine::LanguageList out;
  out.source = std::move(source);
  out.tags.emplace_back(kEnglish);
  for (const auto& l : languages)
    if (l.tag != kEnglish) out.tags.push_back(l.tag);
  return out;
}

engine::LanguageList offeredLanguages(const std::string& translationsDir) {
  const std::string path = translationsDir + "/LANGUAGES";
  std::vector<Language> languages;
  for (auto& l : readLanguageList(path)) languages.push_back(std::move(l.language));
  return languageListOf(languages, path);
}

}  // namespace sendflow::web
