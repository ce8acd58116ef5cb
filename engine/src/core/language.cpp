#include "sendflow/engine/core/language.h"

#include <unicode/locid.h>
#include <unicode/stringpiece.h>

#include <algorithm>

namespace sendflow::engine {

bool isWellFormedLanguageTag(std::string_view tag) {
  // ICU accepts "_" where BCP 47 has "-" and an empty tag as the root locale: neither is a tag.
  if (tag.empty() || tag.find('_') != std::string_view::npos) return false;
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale::forLanguageTag(icu::StringPiece(tag.data(), static_cast<int32_t>(tag.size())),
                              status);
  return U_SUCCESS(status);
}

bool LanguageList::offers(std::string_view tag) const {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

std::string LanguageList::othersThanEnglish() const {
  std::string out;
  for (const auto& t : tags)
    if (t != kEnglish) out += (out.empty() ? "" : ", ") + t;
  return out.empty() ? "none" : out;
}

}  // namespace sendflow::engine
