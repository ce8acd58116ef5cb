// Fuzz target: the PDF text layout (engine/src/documents/pdf/pdf.cpp: cleaning, measuring,
// wrapping, paging, tables split across pages) through PdfRenderer::render with the server's fonts
// and default strategy. The bytes are cut at 0xFF (never part of UTF-8) into the texts of a
// document: header, a section with a short text, a long text, a choice, a table of two columns, a
// signature and the audit certificate. Text is what users typed: strict UTF-8 with the server's C0
// rule applied (tab and newline only), so each piece is passed through as the server would have
// stored it.
#include <vector>

#include "../support/pdf_fonts.h"
#include "fuzz_support.h"
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/documents/pdf/pdf.h"

using namespace sendflow;

namespace {

std::vector<std::string> pieces(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> out(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0xFF)
      out.emplace_back();
    else
      out.back().push_back(static_cast<char>(data[i]));
  }
  return out;
}

engine::PdfDocument documentOf(const std::vector<std::string>& p) {
  std::size_t next = 0;
  auto take = [&]() -> std::string { return next < p.size() ? p[next++] : std::string(); };
  engine::PdfDocument d;
  d.header.academyName = take();
  d.header.title = take();
  d.header.pupilName = take();
  d.header.yearGroup = "6";
  d.header.planState = "Draft";
  d.header.contentHash = "0123456789abcdef";
  engine::PdfSection s;
  s.title = take();
  s.intro = take();
  s.items.push_back({"short", take(), engine::PdfText{take()}, take()});
  s.items.push_back({"long", take(), engine::PdfLongText{take()}, ""});
  const std::string first = take(), second = take();
  s.items.push_back({"choice", "Choice", engine::PdfChoice{{first, second}, {second}, true}, ""});
  engine::PdfTable t;
  t.columns = {{take(), 1}, {take(), 3}};
  while (next < p.size() && t.rows.size() < 40) t.rows.push_back({take(), take()});
  s.items.push_back({"table", "Table", t, ""});
  d.sections.push_back(std::move(s));
  d.signatures.push_back(
      {"Parent / carer", p.empty() ? std::nullopt : std::optional(p[0]), {}, {}, ""});
  return d;
}

// The server refuses other C0 characters and invalid UTF-8 before anything is stored.
bool storable(const std::string& s) {
  if (!engine::utf8::isValid(s)) return false;
  for (char c : s)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') || c == 0x7f) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 8192) return 0;  // a page or two of text; longer inputs only cost time
  auto p = pieces(data, size);
  for (const auto& s : p)
    if (!storable(s)) return 0;
  auto out = sendflow::testing::testRenderer().render(documentOf(p));
  if (out.pages < 1 || out.bytes.rfind("%PDF-", 0) != 0) fuzz::fail("render gave no PDF");
  return 0;
}
