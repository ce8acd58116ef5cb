#include <algorithm>

#include "painter.h"

namespace sendflow::engine::pdf {

Painter::Block Painter::labelValueRow(const std::string& label, std::vector<Line> value) {
  auto cells = std::make_shared<std::vector<Cell>>();
  cells->push_back(Cell{kLeft, kLabelW, l_.lines(label, kLabel, kLabelW)});
  cells->push_back(Cell{kValueX, kValueW, std::move(value)});
  constexpr float kLh = 13.5f, kPadTop = 4, kPadBot = 5;
  Block b;
  b.minHeight = Layout::firstPieceHeight(*cells, kLh, kPadTop, kPadBot);
  b.draw = [this, cells] {
    l_.row(
        *cells, kLh, kPadTop, kPadBot,
        [this](float top, float h) { l_.rule(kLeft, top - h, kRight, top - h, kRule, 0.4f); },
        nullptr);
  };
  return b;
}

Painter::Block Painter::longText(const PdfItem& it, const PdfLongText& t) {
  auto label = std::make_shared<std::vector<TextLine>>();
  if (!it.label.empty()) *label = l_.wrap(c(it.label, it.id), Style{true, 10, kInk}, kWidth);
  auto body = std::make_shared<std::vector<TextLine>>();
  bool empty = !t.text || t.text->find_first_not_of(" \n\r\t") == std::string::npos;
  if (!empty) *body = l_.wrap(c(*t.text, it.id), kBody, kWidth);
  constexpr float kLh = 14;
  Block b;
  b.minHeight =
      6 + static_cast<float>(label->size()) * 14 +
      static_cast<float>(std::min<std::size_t>(2, std::max<std::size_t>(1, body->size()))) * kLh;
  b.draw = [this, label, body, empty, min = b.minHeight] {
    l_.need(min);
    l_.down(6);
    for (auto& line : *label) {
      l_.text(kLeft, l_.y() - 10, line, Style{true, 10, kInk}, kWidth);
      l_.down(14);
    }
    if (empty) {
      l_.text(kLeft, l_.y() - 10.5f, "—", kEmpty);
      l_.down(kLh);
    }
    for (auto& line : *body) {
      if (l_.room() < kLh) l_.newPage();
      l_.text(kLeft, l_.y() - 10.5f, line, kBody, kWidth);
      l_.down(kLh);
    }
    l_.down(4);
  };
  return b;
}

// Every option with a box, the chosen ones ticked and bold; without options, the chosen values.
std::vector<Line> Painter::choiceLines(const PdfItem& it, const PdfChoice& v) {
  std::vector<Line> out;
  const Style chosen{true, 10, kInk}, other{false, 10, kFaint};
  auto add = [&](const std::string& text, const Style& s) {
    for (auto& line : l_.wrap(text, s, kValueW)) out.push_back({line, s, {}});
  };
  auto among = [](const std::vector<std::string>& list, const std::string& o) {
    return std::find(list.begin(), list.end(), o) != list.end();
  };
  if (!v.options.empty()) {
    for (auto& o : v.options) {
      bool on = among(v.chosen, o);
      add((on ? "☑ " : "☐ ") + c(o, it.id), on ? chosen : other);
    }
    for (auto& o : v.chosen) {  // a chosen value no longer among the options
      if (!among(v.options, o)) add("☑ " + c(o, it.id), chosen);
    }
  } else {
    for (auto& o : v.chosen) add((v.multiple ? "• " : "") + c(o, it.id), kBody);
  }
  if (v.options.empty() && v.chosen.empty()) out.push_back({"—", kEmpty, {}});
  return out;
}

// "12 — High" after a swatch of the band's colour.
std::vector<Line> Painter::ratingLines(const PdfItem& it, const PdfRating& v) {
  std::string text = c(v.band, it.id);
  if (v.score && !v.score->empty()) text = c(*v.score, it.id) + " — " + text;
  if (text.empty()) return {{"—", kEmpty, {}}};
  std::vector<Line> out;
  auto lines = l_.wrap(text, Style{true, 10, kInk}, kValueW - 14);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out.push_back({lines[i], Style{true, 10, kInk},
                   i == 0 ? std::optional<PdfColour>(v.colour) : std::nullopt});
  }
  return out;
}

Painter::Block Painter::item(const PdfItem& it) {
  std::string label = c(it.label, it.id);
  // Label/value rows carry their help line inside the value cell.
  auto row = [&](std::vector<Line> value) {
    if (!it.help.empty()) {
      for (auto& line : l_.wrap(c(it.help, it.id), kHelp, kValueW))
        value.push_back({line, kHelp, {}});
    }
    return labelValueRow(label, std::move(value));
  };
  Block b = std::visit(
      [&](const auto& v) -> Block {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, PdfText>) {
          if (!v.value || v.value->empty()) return row({{"—", kEmpty, {}}});
          return row(l_.lines(c(*v.value, it.id), kBody, kValueW));
        } else if constexpr (std::is_same_v<T, PdfLongText>) {
          return longText(it, v);
        } else if constexpr (std::is_same_v<T, PdfYesNo>) {
          if (!v.value) return row({{"—", kEmpty, {}}});
          return row({{*v.value ? "Yes" : "No", Style{true, 10, kInk}, {}}});
        } else if constexpr (std::is_same_v<T, PdfChoice>) {
          return row(choiceLines(it, v));
        } else if constexpr (std::is_same_v<T, PdfTable>) {
          return table(it.label, v, it.id);
        } else {
          static_assert(std::is_same_v<T, PdfRating>);
          return row(ratingLines(it, v));
        }
      },
      it.content);
  bool wide = std::holds_alternative<PdfLongText>(it.content) ||
              std::holds_alternative<PdfTable>(it.content);
  if (!it.help.empty() && wide) {
    auto draw = std::move(b.draw);
    b.draw = [this, draw, helpText = c(it.help, it.id)] {
      draw();
      help(helpText, kLeft, kWidth);
    };
  }
  return b;
}

}  // namespace sendflow::engine::pdf
