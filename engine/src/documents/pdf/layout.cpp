#include "layout.h"

#include <algorithm>
#include <cmath>

#include "line_break.h"
#include "text_filter.h"

namespace sendflow::engine::pdf {

std::string Layout::clean(std::string_view text, const std::string& field) {
  Cleaned c = pdf::clean(text, [this](char32_t cp) { return fonts_.shown(cp); });
  if (c.replaced) placeholderFields_.insert(field);
  return std::move(c.text);
}

float Layout::width(std::string_view utf8, const Style& s) const {
  const std::u32string cps = decodeUtf8(utf8);
  if (fonts_.plain(cps)) {
    const FontFace& f = fonts_.of(s.bold);
    long units = 0;
    for (char32_t cp : cps) units += f.width(cp);
    return static_cast<float>(units) * s.size / 1000.0f;
  }
  return fonts_.shape(cps, s.bold).width * s.size / 1000.0f;
}

std::vector<TextLine> Layout::wrap(std::string_view text, const Style& s, float maxWidth) const {
  return wrapText(text, fonts_, s.bold, s.size, maxWidth);
}

void Layout::newPage() {
  page_ = pageCount_++;
  y_ = kTop;
  if (runningHeader) runningHeader();
}

void Layout::text(float x, float baseline, const TextLine& line, const Style& st, float boxWidth) {
  if (line.text.empty()) return;
  std::u32string cps = decodeUtf8(line.text);
  std::shared_ptr<const ShapedText> shaped;
  if (line.bidi.rtl || !fonts_.plain(cps)) {
    const ParagraphBidi* paragraph = line.bidi.levels.empty() ? nullptr : &line.bidi;
    auto t = std::make_shared<ShapedText>(fonts_.shape(cps, st.bold, paragraph));
    if (t->rtl && boxWidth > 0) x += std::max(0.0f, boxWidth - t->width * st.size / 1000.0f);
    shaped = std::move(t);
  }
  op({Op::kText, 0, x, baseline, 0, 0, st.colour, 0, st, std::move(cps), nullptr,
      std::move(shaped)});
}

void Layout::fill(float x, float yy, float w, float h, Rgb c) {
  op({Op::kFill, 0, x, yy, w, h, c, 0, {}, {}, nullptr});
}

void Layout::rule(float x1, float y1, float x2, float y2, Rgb c, float lw) {
  op({Op::kLine, 0, x1, y1, x2, y2, c, lw, {}, {}, nullptr});
}

void Layout::rect(float x, float yy, float w, float h, Rgb c, float lw) {
  op({Op::kRect, 0, x, yy, w, h, c, lw, {}, {}, nullptr});
}

namespace {

// Width and height from the PNG header; 0 when the bytes are not a PNG.
std::pair<std::uint32_t, std::uint32_t> pngSize(const std::string& png) {
  static const char kSig[] = "\x89PNG\r\n\x1a\n";
  if (png.size() < 24 || png.compare(0, 8, kSig, 8) != 0 || png.compare(12, 4, "IHDR") != 0) {
    return {0, 0};
  }
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<std::uint8_t>(png[at + k]);
    return v;
  };
  return {be32(16), be32(20)};
}

}  // namespace

bool Layout::image(const std::string& png, float x, float top, float maxW, float maxH) {
  auto [pw, ph] = pngSize(png);
  if (pw == 0 || ph == 0) return false;
  auto iw = static_cast<float>(pw), ih = static_cast<float>(ph);
  float scale = std::min(maxW / iw, maxH / ih);
  op({Op::kImage, 0, x, top - ih * scale, iw * scale, ih * scale, {}, 0, {}, {}, &png});
  return true;
}

void Layout::row(const std::vector<Cell>& cells, float lh, float padTop, float padBot,
                 const std::function<void(float, float)>& decorate,
                 const std::function<void()>& onBreak) {
  std::size_t total = 1;
  for (auto& c : cells) total = std::max(total, c.lines.size());
  bool fresh = y_ >= kTop;  // nothing above the row on this page
  auto breakPage = [&] {
    newPage();
    fresh = true;
    if (!onBreak) return;
    onBreak();
    // A repeated header so tall that no line fits under it would break pages forever (found by
    // fuzzing): the row goes on to a fresh page without it.
    if (room() - padTop - padBot < lh) newPage();
  };
  std::size_t from = 0;
  while (from < total) {
    // (a hair of slack: a piece measured to fit exactly must fit after float rounding)
    auto fit = static_cast<std::size_t>(
        std::max(0.0f, std::floor((room() - padTop - padBot) / lh + 0.001f)));
    std::size_t n = fit == 0 ? 0 : splitRow(total - from, fit, fresh);
    if (n == 0) {
      breakPage();
      continue;
    }
    float h = padTop + static_cast<float>(n) * lh + padBot;
    float top = y_;
    if (decorate) decorate(top, h);
    for (auto& c : cells) {
      float baseline = top - padTop - lh * 0.78f;
      for (std::size_t k = from; k < from + n && k < c.lines.size(); ++k) {
        const Line& l = c.lines[k];
        float x = c.x;
        if (l.swatch) {
          fill(x, baseline - 1.5f, 9, 9,
               Rgb{l.swatch->r / 255.0f, l.swatch->g / 255.0f, l.swatch->b / 255.0f});
          rect(x, baseline - 1.5f, 9, 9, kMuted, 0.4f);
          x += 14;
        }
        text(x, baseline, l.text, l.style, c.w - (x - c.x));
        baseline -= lh;
      }
    }
    y_ -= h;
    from += n;
    if (from < total) breakPage();
  }
}

}  // namespace sendflow::engine::pdf
