// Script classification for the PDF renderer (see scripts.h and renderer.h).
#include "scripts.h"

#include <hb.h>

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

bool familyOfScript(std::uint32_t s, ScriptFamily& out) {
  if (s == kNone) return false;
  for (std::size_t i = 0; i < kScriptCount; ++i) {
    for (std::uint32_t t : kScripts[i].scripts) {
      if (t != s) continue;
      out = static_cast<ScriptFamily>(i);
      return true;
    }
  }
  return false;
}

bool neutralFamily(char32_t cp, ScriptFamily& out) {
  if ((cp >= 0x3000 && cp <= 0x33FF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
      (cp >= 0xFF00 && cp <= 0xFFEF)) {
    out = kCjk;
    return true;
  }
  if ((cp >= 0x0600 && cp <= 0x06FF) || (cp >= 0xFD3E && cp <= 0xFD3F)) {
    out = kNaskhArabic;
    return true;
  }
  if (cp == 0x0964 || cp == 0x0965) return familyOfScript(tag("Deva"), out);
  return false;
}

bool familyOf(char32_t cp, ScriptFamily& out) {
  const hb_script_t s = hb_unicode_script(hb_unicode_funcs_get_default(), cp);
  if (s == HB_SCRIPT_COMMON || s == HB_SCRIPT_INHERITED || s == HB_SCRIPT_UNKNOWN)
    return neutralFamily(cp, out);
  return familyOfScript(static_cast<std::uint32_t>(s), out);
}

Kind kindOf(char32_t cp) {
  if (cp == kBadUtf8) return {Kind::kInvalid};
  ScriptFamily f = 0;
  if (familyOf(cp, f)) return {Kind::kScript, f};
  if ((cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2300 && cp <= 0x23FF) ||
      (cp >= 0x2600 && cp <= 0x27BF) || (cp >= 0x2B00 && cp <= 0x2BFF) || attaches(cp))
    return {Kind::kEmoji};
  return {Kind::kOther};
}

const char* describe(Kind k) {
  switch (k.tag) {
    case Kind::kScript:
      return row(k.family).placeholder;
    case Kind::kEmoji:
      return "emoji";
    case Kind::kInvalid:
      return "unreadable characters";
    case Kind::kOther:
      return "characters";
  }
  return "characters";
}

}  // namespace pdf
}  // namespace sendflow::engine

static_assert(sendflow::engine::pdf::tag("Arab") == HB_SCRIPT_ARABIC);
static_assert(sendflow::engine::pdf::tag("Hani") == HB_SCRIPT_HAN);
