// The scripts the renderer draws with a face of their own, one row each (kScripts): which Noto
// family draws it, the language HarfBuzz shapes it as, the name a placeholder gives it when its
// face is not installed, its size on the line, whether joiners shape it. Adding a script is one
// row. Also: which characters are invisible, and how unshown characters are named.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sendflow::engine::pdf {

// Stands for an invalid UTF-8 byte in decoded text.
constexpr char32_t kBadUtf8 = 0xFFFFFFFF;

struct ScriptRow {
  // PdfFontSource::scriptFont's family: Noto from Debian (docs/pdf.md); bold where installed.
  std::string_view face;
  // The scripts of the characters it draws: ISO 15924 tags, as HarfBuzz's hb_script_t (none: a
  // row chosen by a rule of the shaper instead, e.g. Nastaliq for Urdu).
  std::array<std::uint32_t, 5> scripts;
  const char* language;     // BCP 47: HarfBuzz's language-specific forms
  const char* placeholder;  // "[Bengali text not shown — see the online record]"
  // Size on the line: Nastaliq's stacked forms reach about twice as far above and below as
  // Naskh's, so it is drawn smaller and fits the line height the Latin around it uses.
  float scale = 1;
  // Zero-width (non-)joiners change its shapes (Persian, Urdu, Indic conjuncts): kept.
  bool joiners = true;
};

// An ISO 15924 script tag ("Arab") as HarfBuzz's hb_script_t value (HB_TAG).
constexpr std::uint32_t tag(const char (&s)[5]) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[0])) << 24 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[1])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[2])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[3]));
}
constexpr std::uint32_t kNone = 0;
inline constexpr ScriptRow kScripts[] = {
    {"NotoNaskhArabic", {tag("Arab")}, "ar", "Urdu/Arabic-script text"},
    {"NotoNastaliqUrdu", {kNone}, "ur", "Urdu/Arabic-script text", 0.8f},
    {"NotoSansHebrew", {tag("Hebr")}, "he", "Hebrew text"},
    {"NotoSansSyriac", {tag("Syrc")}, "syr", "Syriac text"},
    {"NotoSansThaana", {tag("Thaa")}, "dv", "Thaana (Dhivehi) text"},
    {"NotoSansDevanagari", {tag("Deva")}, "hi", "Devanagari (e.g. Hindi) text"},
    {"NotoSansBengali", {tag("Beng")}, "bn", "Bengali text"},
    {"NotoSansGurmukhi", {tag("Guru")}, "pa", "Gurmukhi (Punjabi) text"},
    {"NotoSansGujarati", {tag("Gujr")}, "gu", "Gujarati text"},
    {"NotoSansOriya", {tag("Orya")}, "or", "Odia text"},
    {"NotoSansTamil", {tag("Taml")}, "ta", "Tamil text"},
    {"NotoSansTelugu", {tag("Telu")}, "te", "Telugu text"},
    {"NotoSansKannada", {tag("Knda")}, "kn", "Kannada text"},
    {"NotoSansMalayalam", {tag("Mlym")}, "ml", "Malayalam text"},
    {"NotoSansSinhala", {tag("Sinh")}, "si", "Sinhala text"},
    {"NotoSansThai", {tag("Thai")}, "th", "Thai text"},
    {"NotoSansLao", {tag("Laoo")}, "lo", "Lao text"},
    {"NotoSansMyanmar", {tag("Mymr")}, "my", "Myanmar (Burmese) text"},
    {"NotoSansKhmer", {tag("Khmr")}, "km", "Khmer text"},
    {"NotoSansEthiopic", {tag("Ethi")}, "ti", "Ethiopic (e.g. Tigrinya) text"},
    {"NotoSansArmenian", {tag("Armn")}, "hy", "Armenian text"},
    {"NotoSansGeorgian", {tag("Geor")}, "ka", "Georgian text"},
    // Simplified Chinese's face: traditional characters too, with mainland shapes (docs/pdf.md).
    {"NotoSansCJK-SC",
     {tag("Hani"), tag("Hira"), tag("Kana"), tag("Hang"), tag("Bopo")},
     "zh",
     "Chinese/Japanese/Korean text",
     1,
     false},
};
constexpr std::size_t kScriptCount = std::size(kScripts);

// A script face: its row in kScripts.
using ScriptFamily = std::uint8_t;
constexpr ScriptFamily familyNamed(std::string_view face) {
  for (std::size_t i = 0; i < kScriptCount; ++i)
    if (kScripts[i].face == face) return static_cast<ScriptFamily>(i);
  throw "no such script face";  // (a compile-time error: only called in constant expressions)
}
// The rows the shaper's rules name.
constexpr ScriptFamily kNaskhArabic = familyNamed("NotoNaskhArabic");
constexpr ScriptFamily kNastaliqUrdu = familyNamed("NotoNastaliqUrdu");
constexpr ScriptFamily kCjk = familyNamed("NotoSansCJK-SC");

inline const ScriptRow& row(ScriptFamily f) { return kScripts[f]; }

// The face of a script, an hb_script_t (false: the regular/bold faces, or none).
bool familyOfScript(std::uint32_t script, ScriptFamily& out);
// Where a Common or Inherited character not drawn by DejaVu usually lives (CJK punctuation and
// full-width forms, Arabic punctuation, the Indic dandas).
bool neutralFamily(char32_t cp, ScriptFamily& out);
// The face for a character: its script's, else (Common/Inherited) neutralFamily's.
bool familyOf(char32_t cp, ScriptFamily& out);

// What a run of characters no installed face draws is called in its placeholder: a script
// face's name, or one of the others.
struct Kind {
  enum Tag : std::uint8_t { kScript, kEmoji, kInvalid, kOther } tag = kOther;
  ScriptFamily family = 0;  // kScript
  bool operator==(const Kind&) const = default;
};

Kind kindOf(char32_t cp);
const char* describe(Kind k);

// Invisible by definition: dropping them loses nothing a reader could see.
bool ignorable(char32_t cp);

// Joiners, variation selectors and combining marks belong to the character before them.
bool attaches(char32_t cp);

}  // namespace sendflow::engine::pdf
