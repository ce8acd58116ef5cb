// The languages sendflow speaks to contacts in, by their BCP 47 tags. en-GB is the language of
// the definitions' own words and of the plan itself (the school's record); the others are the
// languages a form definition may give a contact's words in (forms/README.md "translations").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sendflow::engine {

inline constexpr std::string_view kEnglish = "en-GB";

// en-GB, pl, ur, ro, ar, bn, pa (Gurmukhi), so: a closed list, en-GB first.
const std::vector<std::string>& languageTags();
bool isLanguageTag(std::string_view tag);

}  // namespace sendflow::engine
