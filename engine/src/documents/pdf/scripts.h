// Which characters the renderer draws, and how it names the scripts it cannot draw yet.
#pragma once

namespace sendflow::engine::pdf {

// Stands for an invalid UTF-8 byte in decoded text.
constexpr char32_t kBadUtf8 = 0xFFFFFFFF;

// Scripts named in placeholders ("[Bengali text not shown — see the online record]").
enum class Kind {
  kEmoji,
  kArabic,
  kHebrew,
  kSyriac,
  kThaana,
  kDevanagari,
  kBengali,
  kGurmukhi,
  kGujarati,
  kTamil,
  kIndic,
  kThai,
  kCjk,
  kInvalid,
  kOther
};

Kind kindOf(char32_t cp);
const char* describe(Kind k);

// Invisible by definition: dropping them loses nothing a reader could see.
bool ignorable(char32_t cp);

// Joiners, variation selectors and combining marks belong to the character before them.
bool attaches(char32_t cp);

}  // namespace sendflow::engine::pdf
