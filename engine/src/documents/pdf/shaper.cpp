#include "shaper.h"

#include <fribidi.h>
#include <hb.h>

#include <algorithm>

#include "sendflow/engine/core/error.h"

namespace sendflow::engine::pdf {
namespace {

hb_script_t scriptOf(char32_t cp) { return hb_unicode_script(hb_unicode_funcs_get_default(), cp); }

bool neutralScript(hb_script_t s) {
  return s == HB_SCRIPT_COMMON || s == HB_SCRIPT_INHERITED || s == HB_SCRIPT_UNKNOWN;
}

// Letters of the Urdu-family orthographies (Urdu, Shahmukhi Punjabi, Saraiki, Sindhi's
// Urdu-style texts) that Arabic, Persian and Pashto do not use: a run holding one is Nastaliq.
bool urduLetter(char32_t c) {
  return c == 0x0679 || c == 0x0688 || c == 0x0691 || c == 0x06BA || c == 0x06BE || c == 0x06C1 ||
         c == 0x06C2 || c == 0x06C3 || c == 0x06D2 || c == 0x06D3;
}

template <typename T, void (*Destroy)(T*)>
struct Owned {
  T* p;
  explicit Owned(T* q) : p(q) {}
  ~Owned() { Destroy(p); }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
};

}  // namespace

FontSet::FontSet(std::string regularTtf, std::string boldTtf, const PdfFontSource* source)
    : regular(std::move(regularTtf)), bold(std::move(boldTtf)), source_(source) {}

FontSet::~FontSet() = default;

const FontFace* FontSet::face(ScriptFamily f, bool isBold) const {
  Slot& slot = slots_[2 * static_cast<std::size_t>(f) + (isBold ? 1 : 0)];
  if (const FontFace* ready = slot.ready.load(std::memory_order_acquire)) return ready;
  if (!source_) return nullptr;
  std::call_once(slot.once, [&] {
    std::optional<PdfFontFile> file = source_->scriptFont(row(f).face, isBold);
    if (!file) return;
    try {
      slot.face = std::make_unique<FontFace>(std::move(file->owner), file->bytes, file->faceIndex);
    } catch (const InfraError& e) {
      throw InfraError(std::string(row(f).face) + ": " + e.what());
    }
    slot.ready.store(slot.face.get(), std::memory_order_release);
  });
  return slot.ready.load(std::memory_order_acquire);
}

bool FontSet::shown(char32_t cp) const {
  if (plainShown(cp)) return true;
  ScriptFamily f{};
  if (familyOf(cp, f)) {
    const FontFace* face = this->face(f, false);
    return face && face->covers(cp);
  }
  return false;
}

bool FontSet::plain(std::u32string_view text) const {
  for (char32_t cp : text) {
    if (!plainShown(cp)) return false;
    if (cp >= 0x0590 && FRIBIDI_IS_RTL(fribidi_get_bidi_type(cp))) return false;
  }
  return true;
}

ShapedText FontSet::shape(std::u32string_view line, bool isBold,
                          const ParagraphBidi* paragraph) const {
  ShapedText out;
  const FontFace& plainFace = of(isBold);
  if (plain(line) && !(paragraph && paragraph->rtl)) {
    TextRun run;
    run.codePoints.assign(line);
    run.to = static_cast<std::uint32_t>(line.size());
    for (char32_t cp : line) run.width += static_cast<float>(plainFace.width(cp));
    out.width = run.width;
    out.runs.push_back(std::move(run));
    return out;
  }
  const std::size_t n = line.size();
  if (n == 0) {
    out.rtl = paragraph && paragraph->rtl;
    return out;
  }
  // Scripts, Common/Inherited characters taking their neighbour's (the preceding one, else the
  // following one).
  std::vector<hb_script_t> script(n);
  for (std::size_t i = 0; i < n; ++i) script[i] = scriptOf(line[i]);
  hb_script_t last = HB_SCRIPT_COMMON;
  for (std::size_t i = 0; i < n; ++i) {
    if (neutralScript(script[i])) {
      if (!neutralScript(last)) script[i] = last;
    } else {
      last = script[i];
    }
  }
  last = HB_SCRIPT_COMMON;
  for (std::size_t i = n; i-- > 0;) {
    if (neutralScript(script[i])) {
      if (!neutralScript(last)) script[i] = last;
    } else {
      last = script[i];
    }
  }
  // Embedding levels (FriBidi): the paragraph's when the line was wrapped from one, else the
  // line's own with the direction of its first strong character.
  std::vector<FriBidiCharType> types(n);
  std::vector<FriBidiLevel> levels(n);
  const auto* chars = reinterpret_cast<const FriBidiChar*>(line.data());
  fribidi_get_bidi_types(chars, static_cast<FriBidiStrIndex>(n), types.data());
  FriBidiParType base = FRIBIDI_PAR_ON;
  if (paragraph && paragraph->levels.size() == n) {
    base = paragraph->rtl ? FRIBIDI_PAR_RTL : FRIBIDI_PAR_LTR;
    std::copy(paragraph->levels.begin(), paragraph->levels.end(), levels.begin());
  } else {
    if (paragraph) base = paragraph->rtl ? FRIBIDI_PAR_RTL : FRIBIDI_PAR_LTR;
    std::vector<FriBidiBracketType> brackets(n);
    fribidi_get_bracket_types(chars, static_cast<FriBidiStrIndex>(n), types.data(),
                              brackets.data());
    if (fribidi_get_par_embedding_levels_ex(types.data(), brackets.data(),
                                            static_cast<FriBidiStrIndex>(n), &base,
                                            levels.data()) == 0)
      throw InfraError("FriBidi could not resolve embedding levels");
  }
  out.rtl = FRIBIDI_IS_RTL(base);
  // The line reordered (UBA L1: trailing whitespace back to the paragraph level; L2): where
  // each character goes, left to right.
  std::vector<FriBidiStrIndex> map(n);
  for (std::size_t i = 0; i < n; ++i) map[i] = static_cast<FriBidiStrIndex>(i);
  if (fribidi_reorder_line(0, types.data(), static_cast<FriBidiStrIndex>(n), 0, base, levels.data(),
                           nullptr, map.data()) == 0)
    throw InfraError("FriBidi could not reorder a line");
  std::vector<std::size_t> visualAt(n);
  for (std::size_t v = 0; v < n; ++v) visualAt[static_cast<std::size_t>(map[v])] = v;

  // The face of each character: its script's face when that covers it, else the plain face.
  constexpr int kPlain = -1;
  std::vector<int> fam(n, kPlain);
  for (std::size_t i = 0; i < n; ++i) {
    const char32_t cp = line[i];
    ScriptFamily f{};
    // (A CJK or Arabic punctuation mark after Latin text still goes to its own face.)
    if (!familyOfScript(static_cast<std::uint32_t>(script[i]), f) &&
        (plainShown(cp) || !neutralFamily(cp, f)))
      continue;
    // Spaces, digits and punctuation resolved left-to-right next to right-to-left text ("Zoë
    // says: میرا نام (my name)") belong to the left-to-right text around them: DejaVu's.
    if (plainShown(cp) && levels[i] % 2 == 0 && neutralScript(scriptOf(cp)) &&
        hb_script_get_horizontal_direction(script[i]) == HB_DIRECTION_RTL)
      continue;
    const FontFace* face = this->face(f, isBold);
    // (Joiners shape with their script even where the face has no glyph for them.)
    if (face && (face->covers(cp) || cp == 0x200C || cp == 0x200D)) fam[i] = static_cast<int>(f);
  }
  // Arabic script runs with an Urdu-family letter: Nastaliq, when installed and covering them.
  for (std::size_t i = 0; i < n;) {
    if (fam[i] != static_cast<int>(kNaskhArabic)) {
      ++i;
      continue;
    }
    std::size_t j = i;
    bool urdu = false;
    while (j < n && fam[j] == static_cast<int>(kNaskhArabic)) urdu |= urduLetter(line[j++]);
    const FontFace* nastaliq = urdu ? face(kNastaliqUrdu, isBold) : nullptr;
    bool covered = nastaliq != nullptr;
    for (std::size_t k = i; covered && k < j; ++k) covered = nastaliq->covers(line[k]);
    if (covered)
      std::fill(fam.begin() + static_cast<long>(i), fam.begin() + static_cast<long>(j),
                static_cast<int>(kNastaliqUrdu));
    i = j;
  }
  // Runs in logical order: same level, same face (and same script for script faces).
  struct Span {
    std::size_t from, to;
    int fam;
    FriBidiLevel level;
  };
  std::vector<Span> spans;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && levels[j] == levels[i] && fam[j] == fam[i] &&
           (fam[i] == kPlain || script[j] == script[i]))
      ++j;
    spans.push_back({i, j, fam[i], levels[i]});
    i = j;
  }
  // Visual order: a run's characters are adjacent after reordering (one level), so the runs
  // go where FriBidi put their first character.
  std::sort(spans.begin(), spans.end(),
            [&](const Span& a, const Span& b) { return visualAt[a.from] < visualAt[b.from]; });

  Owned<hb_buffer_t, hb_buffer_destroy> buf(hb_buffer_create());
  for (const Span& s : spans) {
    TextRun run;
    run.from = static_cast<std::uint32_t>(s.from);
    run.to = static_cast<std::uint32_t>(s.to);
    const bool rtl = s.level % 2 == 1;
    run.rtl = rtl;
    if (s.fam == kPlain) {
      for (std::size_t i = s.from; i < s.to; ++i) {
        char32_t cp = line[i];
        FriBidiChar mirrored = 0;
        if (rtl && fribidi_get_mirror_char(cp, &mirrored) && plainShown(mirrored)) cp = mirrored;
        run.codePoints.push_back(cp);
        run.width += static_cast<float>(plainFace.width(cp));
      }
      if (rtl) std::reverse(run.codePoints.begin(), run.codePoints.end());
    } else {
      const auto f = static_cast<ScriptFamily>(s.fam);
      run.face = face(f, isBold);
      run.scale = row(f).scale;
      hb_buffer_clear_contents(buf.p);
      hb_buffer_add_utf32(buf.p, reinterpret_cast<const std::uint32_t*>(line.data()),
                          static_cast<int>(n), static_cast<unsigned>(s.from),
                          static_cast<int>(s.to - s.from));
      hb_buffer_set_direction(buf.p, rtl ? HB_DIRECTION_RTL : HB_DIRECTION_LTR);
      hb_buffer_set_script(buf.p, script[s.from]);
      hb_buffer_set_language(buf.p, hb_language_from_string(row(f).language, -1));
      hb_shape(run.face->shapingFont(), buf.p, nullptr, 0);
      unsigned count = 0;
      const hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buf.p, &count);
      const hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buf.p, &count);
      const float k = 1000.0f / static_cast<float>(run.face->unitsPerEm());
      float advance = 0;
      for (unsigned g = 0; g < count; ++g) {
        run.glyphs.push_back({info[g].codepoint,
                              static_cast<float>(pos[g].x_advance) * k,
                              static_cast<float>(pos[g].x_offset) * k,
                              static_cast<float>(pos[g].y_offset) * k,
                              info[g].cluster,
                              {}});
        advance += run.glyphs.back().advance;
      }
      // Each cluster's text on its first glyph: up to the next cluster's first character.
      std::vector<std::uint32_t> starts;
      for (const PlacedGlyph& g : run.glyphs) starts.push_back(g.cluster);
      std::sort(starts.begin(), starts.end());
      starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
      std::vector<bool> named(starts.size(), false);
      for (PlacedGlyph& g : run.glyphs) {
        const auto at = static_cast<std::size_t>(
            std::lower_bound(starts.begin(), starts.end(), g.cluster) - starts.begin());
        if (named[at]) continue;
        named[at] = true;
        const std::size_t end = at + 1 < starts.size() ? starts[at + 1] : s.to;
        g.text.assign(line.substr(g.cluster, end - g.cluster));
      }
      if (f == kNastaliqUrdu) {
        float x = 0;
        for (PlacedGlyph& g : run.glyphs) {
          if (run.carriers.empty() || !g.text.empty()) {
            run.carriers.push_back({x, 0, std::move(g.text)});
            g.text.clear();
          }
          run.carriers.back().width += g.advance;
          x += g.advance;
        }
      }
      run.width = advance * run.scale;
    }
    out.width += run.width;
    out.runs.push_back(std::move(run));
  }
  return out;
}

}  // namespace sendflow::engine::pdf
