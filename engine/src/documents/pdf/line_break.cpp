#include "line_break.h"

#include "sendflow/engine/core/utf8.h"
#include "text_filter.h"

namespace sendflow::engine::pdf {
namespace {

class LineBreaker {
 public:
  LineBreaker(const FontFace& f, float size, float maxWidth, std::vector<std::string>& out)
      : f_(f), scale_(size / 1000.0f), max_(maxWidth), out_(out) {}

  void paragraph(std::u32string_view para) {
    std::size_t i = 0;
    while (i < para.size()) {
      while (i < para.size() && para[i] == U' ') ++i;
      if (i >= para.size()) break;
      std::size_t j = i;
      float wordW = 0;
      while (j < para.size() && para[j] != U' ') wordW += w(para[j++]);
      word(para.substr(i, j - i), wordW);
      i = j;
    }
    endLine();
  }

 private:
  float w(char32_t cp) const { return static_cast<float>(f_.width(cp)) * scale_; }

  void endLine() {
    out_.push_back(std::move(line_));
    line_.clear();
    lineW_ = 0;
    any_ = false;
  }

  void word(std::u32string_view word, float wordW) {
    float spaceW = any_ ? w(U' ') : 0;
    if (any_ && lineW_ + spaceW + wordW > max_) {
      endLine();
      spaceW = 0;
    }
    if (!any_ && wordW > max_) {
      // A word wider than the line (a URL, an identifier): break it between characters.
      for (char32_t cp : word) {
        float cw = w(cp);
        if (lineW_ + cw > max_ && !line_.empty()) {
          out_.push_back(std::move(line_));
          line_.clear();
          lineW_ = 0;
        }
        utf8::append(line_, cp);
        lineW_ += cw;
      }
      any_ = true;
      return;
    }
    if (any_) line_.push_back(' ');
    for (char32_t cp : word) utf8::append(line_, cp);
    lineW_ += spaceW + wordW;
    any_ = true;
  }

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
  LineBreaker breaker(font, size, maxWidth, out);
  std::size_t p = 0;
  while (p <= all.size()) {
    std::size_t nl = all.find(U'\n', p);
    if (nl == std::u32string::npos) nl = all.size();
    breaker.paragraph(std::u32string_view(all.data() + p, nl - p));
    p = nl + 1;
  }
  return out;
}

}  // namespace sendflow::engine::pdf
