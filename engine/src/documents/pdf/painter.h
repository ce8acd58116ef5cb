// The document painter: one pass over a PdfDocument onto a Layout, footers drawn at the end once
// the page count is known. painter.cpp: page furniture, sections, signatures, the audit page;
// painter_items.cpp: one item (label/value rows, long text, choices, ratings); painter_table.cpp:
// tables whose header repeats on every page.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "layout.h"

namespace sendflow::engine::pdf {

class Painter {
 public:
  Painter(Layout& l, const PdfDocument& d) : l_(l), d_(d) {}

  void paint();

 private:
  struct Block {
    float minHeight = 0;  // what must fit below a heading so it is not orphaned
    std::function<void()> draw;
  };
  struct PreparedTable;

  std::string c(std::string_view s, const std::string& field) { return l_.clean(s, field); }
  void firstPageHeader();
  void summaryBox();
  void runningHeader();
  void heading(const std::string& title, float keepWith);
  void section(const PdfSection& section, const std::string& field);
  void deadlines();
  Block item(const PdfItem& it);
  Block labelValueRow(const std::string& label, std::vector<Line> value);
  Block longText(const PdfItem& it, const PdfLongText& t);
  std::vector<Line> choiceLines(const PdfItem& it, const PdfChoice& v);
  std::vector<Line> ratingLines(const PdfItem& it, const PdfRating& v);
  Block table(const std::string& label, const PdfTable& t, const std::string& field);
  std::shared_ptr<PreparedTable> prepareTable(const std::string& label, const PdfTable& t,
                                              const std::string& field);
  void drawTable(const PreparedTable& p);
  void help(const std::string& text, float x, float w);
  void signatures();
  void signatureBlock(const PdfSignature& s, const std::string& field);
  void auditPage();
  void footers();

  Layout& l_;
  const PdfDocument& d_;
  std::string runningLeft_, runningRight_;
};

}  // namespace sendflow::engine::pdf
