#include "line_break.h"

#include <fribidi.h>
#include <hb.h>
#include <linebreak.h>

#include <algorithm>
#include <mutex>

#include "text_filter.h"

namespace sendflow::engine::pdf {
namespace {

// Lines are cut from the original bytes (words joined by one space), never re-encoded.
class LineBreaker {
 public:
  LineBreaker(std::string_view bytes, const std::u32string& cps, const FontSet& fonts, bool bold,
              float size, float maxWidth, std::vector<TextLine>& out)
      : bytes_(bytes),
        cps_(cps),
        at_(byteOffsets(cps)),
        fonts_(fonts),
        bold_(bold),
        f_(fonts.of(bold)),
        scale_(size / 1000.0f),
        max_(maxWidth),
        out_(out) {}

  // The paragraph of code points [from, to).
  void paragraph(std::size_t from, std::size_t to) {
    std::size_t i = from;
    while (i < to) {
      while (i < to && cps_[i] == U' ') ++i;
      if (i >= to) break;
      std::size_t j = i;
      float wordW = 0;
      while (j < to && cps_[j] != U' ') wordW += w(cps_[j++]);
      word(i, j, wordW);
      i = j;
    }
    endLine();
  }

  // A paragraph with text of a script face: UAX #14 break opportunities (libunibreak), widths of
  // the shaped pieces between them.
  void complexParagraph(std::size_t from, std::size_t to) {
    while (from < to && cps_[from] == U' ') ++from;
    if (from >= to) {
      endLine();
      return;
    }
    const std::size_t n = to - from;
    resolveLevels(from, to);
    std::vector<char> brks(n);
    static std::once_flag once;
    std::call_once(once, [] { init_linebreak(); });
    set_linebreaks_utf32(reinterpret_cast<const utf32_t*>(cps_.data() + from), n, nullptr,
                         brks.data());
    std::size_t lineFrom = from, lineEnd = from;  // [lineFrom, lineEnd): the line, no spaces after
    float lineW = 0, spacesW = 0;
    for (std::size_t s = from; s < to;) {
      std::size_t e = s + 1;
      while (e < to && brks[e - 1 - from] != LINEBREAK_ALLOWBREAK) ++e;
      std::size_t ink = e;  // the piece without its trailing spaces
      while (ink > s && cps_[ink - 1] == U' ') --ink;
      const float pieceW = shapedWidth(s, ink);
      float trailW = 0;
      for (std::size_t k = ink; k < e; ++k) trailW += w(U' ');
      if (lineEnd > lineFrom && lineW + spacesW + pieceW > max_) {
        append(lineFrom, lineEnd);
        endLine();
        lineFrom = lineEnd = s;
        lineW = spacesW = 0;
      }
      if (lineEnd == lineFrom && pieceW > max_ && ink - s >= 4 &&
          !isDateTimeToken(std::u32string_view(cps_).substr(s, ink - s))) {
        s = cutLongPiece(s, ink);  // whole lines of it; its tail starts the next line
        lineFrom = s;
        lineEnd = ink;
        lineW = shapedWidth(s, ink);
        spacesW = trailW;
        s = e;
        continue;
      }
      lineEnd = ink;
      lineW += spacesW + pieceW;
      spacesW = trailW;
      s = e;
    }
    if (lineEnd > lineFrom) append(lineFrom, lineEnd);
    endLine();
    levels_.clear();
  }

 private:
  // The paragraph [from, to)'s embedding levels and direction (UBA P2/P3: its first strong
  // character), which its lines keep; none when FriBidi fails (each line then its own).
  void resolveLevels(std::size_t from, std::size_t to) {
    const std::size_t n = to - from;
    std::vector<FriBidiCharType> types(n);
    std::vector<FriBidiBracketType> brackets(n);
    levels_.assign(n, 0);
    levelsFrom_ = from;
    const auto* chars = reinterpret_cast<const FriBidiChar*>(cps_.data() + from);
    fribidi_get_bidi_types(chars, static_cast<FriBidiStrIndex>(n), types.data());
    fribidi_get_bracket_types(chars, static_cast<FriBidiStrIndex>(n), types.data(),
                              brackets.data());
    FriBidiParType base = FRIBIDI_PAR_ON;
    if (fribidi_get_par_embedding_levels_ex(types.data(), brackets.data(),
                                            static_cast<FriBidiStrIndex>(n), &base,
                                            levels_.data()) == 0) {
      levels_.clear();
      return;
    }
    rtl_ = FRIBIDI_IS_RTL(base);
  }

  float shapedWidth(std::size_t from, std::size_t to) const {
    if (to <= from) return 0;
    return fonts_.shape(std::u32string_view(cps_).substr(from, to - from), bold_).width * scale_;
  }

  // Lines of [k, to) ending in a hyphen while the rest is wider than the line; returns where the
  // rest starts. A cut never falls before a combining mark, and keeps two characters each side.
  std::size_t cutLongPiece(std::size_t k, std::size_t to) {
    const float hyphenW = w(U'-');
    hb_unicode_funcs_t* unicode = hb_unicode_funcs_get_default();
    auto cuttable = [&](std::size_t at) {
      const hb_unicode_general_category_t c = hb_unicode_general_category(unicode, cps_[at]);
      return c != HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK &&
             c != HB_UNICODE_GENERAL_CATEGORY_SPACING_MARK &&
             c != HB_UNICODE_GENERAL_CATEGORY_ENCLOSING_MARK && cps_[at] != 0x200D &&
             cps_[at - 1] != 0x200D &&
             hb_unicode_combining_class(unicode, cps_[at - 1]) !=
                 HB_UNICODE_COMBINING_CLASS_VIRAMA;  // (a conjunct of any Indic script)
    };
    while (shapedWidth(k, to) > max_ && to - k >= 4) {
      std::size_t cut = k + 2;
      for (std::size_t at = k + 2; at + 2 <= to; ++at) {
        if (!cuttable(at)) continue;
        if (shapedWidth(k, at) + hyphenW > max_) break;
        cut = at;
      }
      while (cut + 2 <= to && !cuttable(cut)) ++cut;  // nothing fits: the least cut
      if (cut + 2 > to) break;
      append(k, cut);
      if (cps_[cut - 1] != U'-') {
        line_.text.push_back('-');  // (on the side of the piece it ends)
        if (!levels_.empty()) line_.bidi.levels.push_back(line_.bidi.levels.back());
      }
      endLine();
      k = cut;
    }
    return k;
  }

  float w(char32_t cp) const { return static_cast<float>(f_.width(cp)) * scale_; }
  void append(std::size_t from, std::size_t to) {
    line_.text.append(bytes_.substr(at_[from], at_[to] - at_[from]));
    if (levels_.empty()) return;
    line_.bidi.rtl = rtl_;
    line_.bidi.levels.insert(line_.bidi.levels.end(),
                             levels_.begin() + static_cast<long>(from - levelsFrom_),
                             levels_.begin() + static_cast<long>(to - levelsFrom_));
  }

  void endLine() {
    out_.push_back(std::move(line_));
    line_ = TextLine();
    lineW_ = 0;
    any_ = false;
  }

  void word(std::size_t from, std::size_t to, float wordW) {
    float spaceW = any_ ? w(U' ') : 0;
    if (any_ && lineW_ + spaceW + wordW > max_) {
      endLine();
      spaceW = 0;
    }
    if (!any_ && wordW > max_ &&
        !isDateTimeToken(std::u32string_view(cps_).substr(from, to - from))) {
      longWord(from, to);
      return;
    }
    if (any_) line_.text.push_back(' ');
    append(from, to);
    lineW_ += spaceW + wordW;
    any_ = true;
  }

  // A word wider than the line, at the start of a line: whole lines of it, each ending in a
  // hyphen, then its tail starts the line the next word may join.
  void longWord(std::size_t from, std::size_t to) {
    const float hyphenW = w(U'-');
    std::size_t k = from;
    float restW = 0;
    for (std::size_t i = from; i < to; ++i) restW += w(cps_[i]);
    while (restW > max_ && to - k >= 4) {
      // The furthest cut whose piece (with its hyphen) fits, two characters kept on each side.
      std::size_t fit = k;
      float pieceW = 0;
      while (fit < to && pieceW + w(cps_[fit]) + hyphenW <= max_) pieceW += w(cps_[fit++]);
      fit = std::clamp(fit, k + 2, to - 2);
      std::size_t cut = bestCut(k, fit);
      append(k, cut);
      if (cps_[cut - 1] != U'-') line_.text.push_back('-');
      for (std::size_t i = k; i < cut; ++i) restW -= w(cps_[i]);
      endLine();
      k = cut;
    }
    append(k, to);
    lineW_ = restW;
    any_ = true;
  }

  // Where to cut [k, fit) short of `fit`, looking back over the last third at most: after a '-'
  // or '/', else between syllables as letters suggest (vowel | consonant vowel, or between two
  // consonants after a vowel), else at `fit`.
  std::size_t bestCut(std::size_t k, std::size_t fit) const {
    const std::size_t lowest = std::max(k + 2, fit - (fit - k) / 3);
    for (std::size_t e = fit; e >= lowest; --e)
      if (cps_[e - 1] == U'-' || cps_[e - 1] == U'/') return e;
    auto vowel = [](char32_t c) {
      return c == U'a' || c == U'e' || c == U'i' || c == U'o' || c == U'u' || c == U'y' ||
             c == U'A' || c == U'E' || c == U'I' || c == U'O' || c == U'U' || c == U'Y';
    };
    auto letter = [](char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); };
    auto consonant = [&](char32_t c) { return letter(c) && !vowel(c); };
    auto digraph = [](char32_t x, char32_t y) {  // letters read as one sound: kept together
      x = static_cast<char32_t>(x | 0x20U);      // ASCII lower case
      y = static_cast<char32_t>(y | 0x20U);
      return (y == U'h' &&
              (x == U'c' || x == U's' || x == U't' || x == U'p' || x == U'w' || x == U'g')) ||
             (x == U'c' && y == U'k') || (x == U'q' && y == U'u');
    };
    for (std::size_t e = fit; e >= lowest; --e) {
      if (e + 1 >= cps_.size() || e < 2) continue;
      const char32_t a = cps_[e - 2], b = cps_[e - 1], c = cps_[e], d = cps_[e + 1];
      if ((vowel(b) && consonant(c) && vowel(d) && letter(a)) ||
          (vowel(a) && consonant(b) && consonant(c) && vowel(d) && !digraph(b, c)))
        return e;
    }
    return fit;
  }

  std::string_view bytes_;
  const std::u32string& cps_;
  std::vector<std::size_t> at_;  // byte offset of each code point, and the end
  const FontSet& fonts_;
  const bool bold_;
  const FontFace& f_;
  const float scale_, max_;
  std::vector<TextLine>& out_;
  TextLine line_;
  // The complex paragraph's embedding levels (from levelsFrom_) and direction.
  std::vector<FriBidiLevel> levels_;
  std::size_t levelsFrom_ = 0;
  bool rtl_ = false;
  float lineW_ = 0;
  bool any_ = false;
};

}  // namespace

bool isDateTimeToken(std::u32string_view word) {
  if (word.size() < 4 || word.front() < U'0' || word.front() > U'9') return false;
  bool separated = false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char32_t c = word[i];
    if (c >= U'0' && c <= U'9') continue;
    if (c != U'-' && c != U'/' && c != U':' && c != U'.' && c != U'T' && c != U'Z' && c != U'+')
      return false;
    if ((c == U'-' || c == U'/' || c == U':') && i + 1 < word.size() && word[i + 1] >= U'0' &&
        word[i + 1] <= U'9' && word[i - 1] >= U'0' && word[i - 1] <= U'9')
      separated = true;
  }
  return separated;
}

std::vector<TextLine> wrapText(std::string_view utf8, const FontSet& fonts, bool bold, float size,
                               float maxWidth) {
  std::vector<TextLine> out;
  const std::u32string all = decodeUtf8(utf8);
  LineBreaker breaker(utf8, all, fonts, bold, size, maxWidth, out);
  std::size_t p = 0;
  while (p <= all.size()) {
    std::size_t nl = all.find(U'\n', p);
    if (nl == std::u32string::npos) nl = all.size();
    if (fonts.plain(std::u32string_view(all).substr(p, nl - p))) {
      breaker.paragraph(p, nl);
    } else {
      breaker.complexParagraph(p, nl);
    }
    p = nl + 1;
  }
  return out;
}

}  // namespace sendflow::engine::pdf
