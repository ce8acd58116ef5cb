#include "line_break.h"

#include "text_filter.h"

namespace sendflow::engine::pdf {
namespace {

// Lines are cut from the original bytes (words joined by one space), never re-encoded.
class LineBreaker {
 public:
  LineBreaker(std::string_view bytes, const std::u32string& cps, const FontFace& f, float size,
              float maxWidth, std::vector<std::string>& out)
      : bytes_(bytes),
        cps_(cps),
        at_(byteOffsets(cps)),
        f_(f),
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

 private:
  float w(char32_t cp) const { return static_cast<float>(f_.width(cp)) * scale_; }
  void append(std::size_t from, std::size_t to) {
    line_.append(bytes_.substr(at_[from], at_[to] - at_[from]));
  }

  void endLine() {
    out_.push_back(std::move(line_));
    line_.clear();
    lineW_ = 0;
    any_ = false;
  }

  void word(std::size_t from, std::size_t to, float wordW) {
    float spaceW = any_ ? w(U' ') : 0;
    if (any_ && lineW_ + spaceW + wordW > max_) {
      endLine();
      spaceW = 0;
    }
    if (!any_ && wordW > max_) {
      // A word wider than the line (a URL, an identifier): break it between characters.
      for (std::size_t k = from; k < to; ++k) {
        float cw = w(cps_[k]);
        if (lineW_ + cw > max_ && !line_.empty()) {
          out_.push_back(std::move(line_));
          line_.clear();
          lineW_ = 0;
        }
        append(k, k + 1);
        lineW_ += cw;
      }
      any_ = true;
      return;
    }
    if (any_) line_.push_back(' ');
    append(from, to);
    lineW_ += spaceW + wordW;
    any_ = true;
  }

  std::string_view bytes_;
  const std::u32string& cps_;
  std::vector<std::size_t> at_;  // byte offset of each code point, and the end
  const FontFace& f_;
  const float scale_, max_;
  std::vector<std::string>& out_;
  std::string line_;
  float lineW_ = 0;
  bool any_ = false;
};

}  // namespace

std::vector<std::string> wrapText(std::string_view utf8, const FontFace& font, float size,
                                  float maxWidth) {
  std::vector<std::string> out;
  const std::u32string all = decodeUtf8(utf8);
  LineBreaker breaker(utf8, all, font, size, maxWidth, out);
  std::size_t p = 0;
  while (p <= all.size()) {
    std::size_t nl = all.find(U'\n', p);
    if (nl == std::u32string::npos) nl = all.size();
    breaker.paragraph(p, nl);
    p = nl + 1;
  }
  return out;
}

}  // namespace sendflow::engine::pdf
