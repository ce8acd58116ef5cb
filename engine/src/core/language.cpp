#include "sendflow/engine/core/language.h"

#include <algorithm>

namespace sendflow::engine {

const std::vector<std::string>& languageTags() {
  static const std::vector<std::string> kTags{
      std::string(kEnglish), "pl", "ur", "ro", "ar", "bn", "pa", "so"};
  return kTags;
}

bool isLanguageTag(std::string_view tag) {
  const auto& tags = languageTags();
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

}  // namespace sendflow::engine
