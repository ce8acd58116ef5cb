// Script classification for the PDF renderer (see scripts.h and renderer.h).
#include "scripts.h"

#include <array>

#include "sendflow/engine/documents/pdf/renderer.h"

namespace sendflow::engine {
namespace {

struct Range {
  char32_t first, last;
};

// Scripts drawn without shaping or bidi, plus the punctuation and symbols plans use.
constexpr std::array kRenderable{
    Range{0x0020, 0x007E}, Range{0x00A0, 0x036F},  // Latin-1 … Ext-B, IPA, modifiers, combining
    Range{0x0370, 0x03FF}, Range{0x0400, 0x052F},  // Greek, Cyrillic (+ supplement)
    Range{0x1E00, 0x1EFF}, Range{0x1F00, 0x1FFF},  // Latin Ext Additional (Vietnamese), Greek Ext
    Range{0x2010, 0x2027}, Range{0x2030, 0x205E},  // punctuation (no invisible format chars)
    Range{0x2070, 0x209F}, Range{0x20A0, 0x20CF},  // super/subscripts, currency
    Range{0x2100, 0x218F}, Range{0x2190, 0x21FF},  // letterlike, number forms, arrows
    Range{0x2200, 0x22FF}, Range{0x2500, 0x257F},  // maths, box drawing
    Range{0x25A0, 0x25FF}, Range{0x2610, 0x2612},  // geometric shapes, ballot boxes
    Range{0x2713, 0x2714}, Range{0x2717, 0x2718},  // check and cross marks
    Range{0x2C60, 0x2C7F}, Range{0xA720, 0xA7FF},  // Latin Ext C, D
    Range{0xFB00, 0xFB06},                         // Latin ligatures
};

}  // namespace

bool isRenderableCodePoint(char32_t cp) {
  for (const Range& r : kRenderable) {
    if (cp >= r.first && cp <= r.last) return true;
  }
  return false;
}

namespace pdf {

bool ignorable(char32_t cp) {
  return cp == 0x00AD || cp == 0x200B || cp == 0x200C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF ||
         (cp < 0x20 && cp != '\n' && cp != '\t' && cp != '\r') || (cp >= 0x7F && cp < 0xA0);
}

bool attaches(char32_t cp) {
  return cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x0300 && cp <= 0x036F) ||
         (cp >= 0x1F3FB && cp <= 0x1F3FF) || (cp >= 0xE0020 && cp <= 0xE007F);
}

Kind kindOf(char32_t cp) {
  if (cp == kBadUtf8) return Kind::kInvalid;
  if ((cp >= 0x0600 && cp <= 0x06FF) || (cp >= 0x0750 && cp <= 0x077F) ||
      (cp >= 0x0870 && cp <= 0x08FF) || (cp >= 0xFB50 && cp <= 0xFDFF) ||
      (cp >= 0xFE70 && cp <= 0xFEFF))
    return Kind::kArabic;
  if ((cp >= 0x0590 && cp <= 0x05FF) || (cp >= 0xFB1D && cp <= 0xFB4F)) return Kind::kHebrew;
  if (cp >= 0x0700 && cp <= 0x074F) return Kind::kSyriac;
  if (cp >= 0x0780 && cp <= 0x07BF) return Kind::kThaana;
  if (cp >= 0x0900 && cp <= 0x097F) return Kind::kDevanagari;
  if (cp >= 0x0980 && cp <= 0x09FF) return Kind::kBengali;
  if (cp >= 0x0A00 && cp <= 0x0A7F) return Kind::kGurmukhi;
  if (cp >= 0x0A80 && cp <= 0x0AFF) return Kind::kGujarati;
  if (cp >= 0x0B80 && cp <= 0x0BFF) return Kind::kTamil;
  if ((cp >= 0x0B00 && cp <= 0x0DFF) || (cp >= 0xA8E0 && cp <= 0xA8FF)) return Kind::kIndic;
  if (cp >= 0x0E00 && cp <= 0x0EFF) return Kind::kThai;
  if ((cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
      (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
      (cp >= 0x20000 && cp <= 0x3FFFF))
    return Kind::kCjk;
  if ((cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2300 && cp <= 0x23FF) ||
      (cp >= 0x2600 && cp <= 0x27BF) || (cp >= 0x2B00 && cp <= 0x2BFF) || attaches(cp))
    return Kind::kEmoji;
  return Kind::kOther;
}

const char* describe(Kind k) {
  switch (k) {
    case Kind::kEmoji:
      return "emoji";
    case Kind::kArabic:
      return "Urdu/Arabic-script text";
    case Kind::kHebrew:
      return "Hebrew text";
    case Kind::kSyriac:
      return "Syriac text";
    case Kind::kThaana:
      return "Thaana (Dhivehi) text";
    case Kind::kDevanagari:
      return "Devanagari (e.g. Hindi) text";
    case Kind::kBengali:
      return "Bengali text";
    case Kind::kGurmukhi:
      return "Gurmukhi (Punjabi) text";
    case Kind::kGujarati:
      return "Gujarati text";
    case Kind::kTamil:
      return "Tamil text";
    case Kind::kIndic:
      return "Indic-script text";
    case Kind::kThai:
      return "Thai/Lao text";
    case Kind::kCjk:
      return "Chinese/Japanese/Korean text";
    case Kind::kInvalid:
      return "unreadable characters";
    case Kind::kOther:
      return "characters";
  }
  return "characters";
}

}  // namespace pdf
}  // namespace sendflow::engine
