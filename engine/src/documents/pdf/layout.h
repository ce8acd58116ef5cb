// The page model the painter draws on: A4 geometry, styles, and a Layout that records drawing
// operations per page (replayed into the PDF once the pages and the characters used are known).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sendflow/engine/documents/pdf/model.h"
#include "shaper.h"

namespace sendflow::engine::pdf {

struct Rgb {
  float r, g, b;
};
constexpr Rgb kInk{0.11f, 0.12f, 0.14f};
constexpr Rgb kMuted{0.36f, 0.38f, 0.42f};
constexpr Rgb kFaint{0.55f, 0.57f, 0.60f};
constexpr Rgb kPrimary{0.08f, 0.25f, 0.45f};
constexpr Rgb kRule{0.80f, 0.82f, 0.86f};
constexpr Rgb kShade{0.94f, 0.95f, 0.97f};
constexpr Rgb kHeaderFill{0.87f, 0.91f, 0.96f};
constexpr Rgb kMarking{0.55f, 0.08f, 0.10f};

constexpr float kPageW = 595.276f, kPageH = 841.89f;
constexpr float kLeft = 50, kRight = kPageW - 50, kWidth = kRight - kLeft;
constexpr float kTop = kPageH - 58;  // below the running header
constexpr float kBottom = 64;        // above the footer
constexpr float kLabelW = 160;       // label column of label/value rows
constexpr float kValueX = kLeft + kLabelW + 10, kValueW = kRight - kValueX;

struct Style {
  bool bold = false;
  float size = 10;
  Rgb colour = kInk;
};
constexpr Style kBody{false, 10, kInk};
constexpr Style kLabel{false, 9.5f, kMuted};
constexpr Style kEmpty{false, 10, kFaint};
constexpr Style kHelp{false, 8.5f, kFaint};
constexpr Style kCell{false, 9, kInk};
constexpr Style kCellHead{true, 9, kPrimary};

struct Line {
  TextLine text;
  Style style;
  std::optional<PdfColour> swatch;  // a coloured square before the text (ratings)
};

struct Cell {
  float x = 0, w = 0;
  std::vector<Line> lines;
};

// What the layout draws, recorded first and replayed into libharu once the pages are known and
// the fonts have been cut down to the characters used.
struct Op {
  enum Kind { kText, kFill, kLine, kRect, kImage } kind;
  std::size_t page;
  float x, y, w, h;  // kLine: (x, y) → (w, h)
  Rgb colour;
  float lineWidth;
  Style style;
  std::u32string text;  // kText: code points (decoded once, drawn and counted from here)
  const std::string* png;
  // kText: the line shaped, when it is not one plain left-to-right run (ShapedText::complex).
  std::shared_ptr<const ShapedText> shaped = nullptr;
};

class Layout {
 public:
  explicit Layout(const FontSet& fonts) : fonts_(fonts) {}

  // Text the fonts can show, with placeholders; records `field` when something was replaced.
  std::string clean(std::string_view text, const std::string& field);
  const std::set<std::string>& placeholderFields() const { return placeholderFields_; }

  float width(std::string_view utf8, const Style& s) const;
  std::vector<TextLine> wrap(std::string_view text, const Style& s, float maxWidth) const;
  std::vector<Line> lines(std::string_view text, const Style& s, float maxWidth) const {
    std::vector<Line> out;
    for (auto& l : wrap(text, s, maxWidth)) out.push_back({l, s, std::nullopt});
    return out;
  }

  void newPage();
  std::size_t pageCount() const { return pageCount_; }
  void usePage(std::size_t p) { page_ = p; }
  const std::vector<Op>& ops() const { return ops_; }
  float y() const { return y_; }
  void down(float by) { y_ -= by; }
  float room() const { return y_ - kBottom; }
  void need(float h) {
    if (h > room() && y_ < kTop) newPage();
  }

  // A right-to-left line is aligned to the right edge of its box when `boxWidth` is given. A
  // wrapped line is ordered and aligned by its paragraph's direction; a string is a paragraph.
  void text(float x, float baseline, const TextLine& line, const Style& st, float boxWidth = 0);
  void text(float x, float baseline, const std::string& s, const Style& st, float boxWidth = 0) {
    text(x, baseline, TextLine(s), st, boxWidth);
  }
  void text(float x, float baseline, const char* s, const Style& st, float boxWidth = 0) {
    text(x, baseline, TextLine(s), st, boxWidth);
  }
  void fill(float x, float y, float w, float h, Rgb c);
  void rule(float x1, float y1, float x2, float y2, Rgb c, float width = 0.5f);
  void rect(float x, float y, float w, float h, Rgb c, float width = 0.5f);
  bool image(const std::string& png, float x, float top, float maxW, float maxH);

  // Draws cells side by side from y(). A row taller than what is left of the page is split line
  // by line (splitRow decides where), the cells continuing on the next page.
  // `decorate(top, height)` draws backgrounds/borders of each piece before its text; `onBreak()`
  // runs at the top of each new page (repeated table headers).
  void row(const std::vector<Cell>& cells, float lineHeight, float padTop, float padBottom,
           const std::function<void(float, float)>& decorate, const std::function<void()>& onBreak);

  static float rowHeight(const std::vector<Cell>& cells, float lh, float padTop, float padBot) {
    std::size_t n = 1;
    for (auto& c : cells) n = std::max(n, c.lines.size());
    return padTop + static_cast<float>(n) * lh + padBot;
  }
  // The least of a row that goes on a page before a break (what a table header or a heading
  // keeps with): the whole row when it cannot be split, else kKeepLines lines.
  static float firstPieceHeight(const std::vector<Cell>& cells, float lh, float padTop,
                                float padBot) {
    std::size_t n = 1;
    for (auto& c : cells) n = std::max(n, c.lines.size());
    const std::size_t first = n < 2 * kKeepLines ? n : kKeepLines;  // splitRow's least piece
    return padTop + static_cast<float>(first) * lh + padBot;
  }

  // A split row keeps at least this many lines on each page.
  static constexpr std::size_t kKeepLines = 2;
  // How many of a row's `left` lines go on this page when `fit` lines fit on it: all when they
  // fit; otherwise as many as fit while kKeepLines stay for the next page, if that leaves at
  // least kKeepLines here; otherwise 0 (break the page first). On a page with nothing above the
  // row (`fresh`), as many as fit, at least one: moving on would not give it more room.
  static std::size_t splitRow(std::size_t left, std::size_t fit, bool fresh) {
    if (fit >= left) return left;
    const std::size_t n = left >= kKeepLines ? std::min(fit, left - kKeepLines) : 0;
    if (n >= kKeepLines) return n;
    return fresh ? std::max<std::size_t>(fit, 1) : 0;
  }

  std::function<void()> runningHeader;

 private:
  void op(Op o) {
    o.page = page_;
    ops_.push_back(std::move(o));
  }

  const FontSet& fonts_;
  std::vector<Op> ops_;
  std::size_t pageCount_ = 0, page_ = 0;
  float y_ = 0;
  std::set<std::string> placeholderFields_;
};

}  // namespace sendflow::engine::pdf
