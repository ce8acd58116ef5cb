// Tables: weighted columns, a shaded header row repeated on every page the table continues on
// and kept with the first row, alternate row shading, rows split line by line where the page
// ends (Layout::row).
#include <algorithm>

#include "painter.h"

namespace sendflow::engine::pdf {
namespace {

constexpr float kPad = 4;
constexpr float kLh = 11.5f, kPadTop = 3, kPadBot = 4;

// Each column's x and width from the relative weights (a weight ≤ 0 counts as 1).
std::vector<std::pair<float, float>> columnGeometry(const PdfTable& t) {
  float totalWeight = 0;
  for (auto& col : t.columns) totalWeight += col.weight > 0 ? col.weight : 1;
  if (totalWeight <= 0) totalWeight = 1;
  std::vector<std::pair<float, float>> geo;
  float x = kLeft;
  for (auto& col : t.columns) {
    float w = kWidth * (col.weight > 0 ? col.weight : 1) / totalWeight;
    geo.emplace_back(x, w);
    x += w;
  }
  return geo;
}

}  // namespace

struct Painter::PreparedTable {
  std::vector<std::pair<float, float>> geo;  // x, w per column
  std::vector<Cell> header;
  std::vector<std::vector<Cell>> rows;
  std::vector<TextLine> label;
  std::string labelText, emptyText;
  float headerH = 0;
};

std::shared_ptr<Painter::PreparedTable> Painter::prepareTable(const std::string& label,
                                                              const PdfTable& t,
                                                              const std::string& field) {
  auto p = std::make_shared<PreparedTable>();
  p->geo = columnGeometry(t);
  const auto& geo = p->geo;
  for (std::size_t k = 0; k < t.columns.size(); ++k) {
    p->header.push_back(
        Cell{geo[k].first + kPad, geo[k].second - 2 * kPad,
             l_.lines(c(t.columns[k].header, field), kCellHead, geo[k].second - 2 * kPad)});
  }
  for (auto& r : t.rows) {
    std::vector<Cell> cells;
    for (std::size_t k = 0; k < t.columns.size(); ++k) {
      const std::optional<std::string>* v = k < r.size() ? &r[k] : nullptr;
      bool empty = !v || !v->has_value() || (*v)->empty();
      cells.push_back(Cell{geo[k].first + kPad, geo[k].second - 2 * kPad,
                           empty ? std::vector<Line>{{"—", Style{false, 9, kFaint}, std::nullopt}}
                                 : l_.lines(c(**v, field), kCell, geo[k].second - 2 * kPad)});
    }
    p->rows.push_back(std::move(cells));
  }
  if (!label.empty()) p->label = l_.wrap(c(label, field), Style{true, 10, kInk}, kWidth);
  p->labelText = c(label, field);
  p->emptyText = c(t.emptyText, field);
  p->headerH = Layout::rowHeight(p->header, kLh, kPadTop, kPadBot);
  return p;
}

Painter::Block Painter::table(const std::string& label, const PdfTable& t,
                              const std::string& field) {
  auto p = prepareTable(label, t, field);
  const float labelH = 6 + static_cast<float>(p->label.size()) * 14;
  // The header never stands alone at the foot of a page: it keeps at least the first row's first
  // piece (Layout::row splits a row only where that piece fits).
  const float firstRow = p->rows.empty()
                             ? kPadTop + kLh + kPadBot  // "No entries"
                             : Layout::firstPieceHeight(p->rows.front(), kLh, kPadTop, kPadBot);
  Block b;
  b.minHeight = labelH + p->headerH + firstRow;
  b.draw = [this, p, min = b.minHeight] {
    l_.need(min);
    drawTable(*p);
  };
  return b;
}

void Painter::drawTable(const PreparedTable& p) {
  l_.down(6);
  for (auto& line : p.label) {
    l_.text(kLeft, l_.y() - 10, line, Style{true, 10, kInk});
    l_.down(14);
  }
  auto grid = [this, &p](float top, float h, Rgb background) {
    if (background.r < 1) l_.fill(kLeft, top - h, kWidth, h, background);
    for (auto& [gx, gw] : p.geo) l_.rect(gx, top - h, gw, h, kRule, 0.5f);
  };
  auto drawHeader = [this, &p, grid] {
    l_.row(
        p.header, kLh, kPadTop, kPadBot, [grid](float top, float h) { grid(top, h, kHeaderFill); },
        nullptr);
  };
  drawHeader();
  auto onBreak = [this, &p, drawHeader] {
    if (!p.labelText.empty()) {
      l_.text(kLeft, l_.y() - 8, p.labelText + " (continued)", Style{false, 8, kMuted});
      l_.down(12);
    }
    drawHeader();
  };
  if (p.rows.empty()) {
    std::vector<Cell> none{Cell{kLeft + kPad, kWidth - 2 * kPad,
                                l_.lines(p.emptyText, Style{false, 9, kFaint}, kWidth - 2 * kPad)}};
    l_.row(
        none, kLh, kPadTop, kPadBot,
        [this](float top, float h) { l_.rect(kLeft, top - h, kWidth, h, kRule); }, onBreak);
  }
  for (std::size_t i = 0; i < p.rows.size(); ++i) {
    Rgb bg = i % 2 ? kShade : Rgb{1, 1, 1};
    l_.row(
        p.rows[i], kLh, kPadTop, kPadBot, [grid, bg](float top, float h) { grid(top, h, bg); },
        onBreak);
  }
  l_.down(6);
}

}  // namespace sendflow::engine::pdf
