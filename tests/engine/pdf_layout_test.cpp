// The PDF layout's decisions, on the real DejaVu faces: where a row splits across pages, that a
// table's header keeps its first row, and how words too long for a line are broken.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "documents/pdf/layout.h"
#include "documents/pdf/line_break.h"
#include "documents/pdf/painter.h"
#include "support/pdf_fonts.h"

using namespace sendflow::engine;
using namespace sendflow::engine::pdf;

namespace {

const FontSet& fonts() {
  static const sendflow::testing::TestFonts files;
  static const FontSet set(files.fontBytes(PdfFontRole::kRegular),
                           files.fontBytes(PdfFontRole::kBold), &files);
  return set;
}

std::vector<std::string> texts(const std::vector<TextLine>& lines) {
  std::vector<std::string> out;
  for (const TextLine& l : lines) out.push_back(l.text);
  return out;
}

std::vector<std::string> wrap(const std::string& s, float width) {
  return texts(wrapText(s, fonts(), false, 10, width));
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "|";
  return out;
}

// The text drawn on each page, in drawing order.
std::vector<std::string> pageTexts(const Layout& l) {
  std::vector<std::string> pages(l.pageCount());
  for (const auto& op : l.ops()) {
    if (op.kind != Op::kText) continue;
    std::string s;
    for (char32_t cp : op.text) s.push_back(cp < 0x80 ? static_cast<char>(cp) : '?');
    pages[op.page] += s + "\n";
  }
  return pages;
}

}  // namespace

TEST_CASE("layout: a row splits where the page ends, keeping two lines on each side",
          "[pdf][layout]") {
  // Everything fits: all of it.
  CHECK(Layout::splitRow(5, 9, false) == 5);
  // 30 lines, 20 fit: 20 here (the page is not left empty before a long row).
  CHECK(Layout::splitRow(30, 20, false) == 20);
  // 5 lines, 4 fit: 3 here, so two go on (no single widowed line).
  CHECK(Layout::splitRow(5, 4, false) == 3);
  // Only one line would fit, or a 3-line row cannot leave two on each side: break first.
  CHECK(Layout::splitRow(10, 1, false) == 0);
  CHECK(Layout::splitRow(3, 2, false) == 0);
  // On a page with nothing above, as much as fits (moving on gives no more room).
  CHECK(Layout::splitRow(3, 2, true) == 2);
  CHECK(Layout::splitRow(100, 60, true) == 60);
  CHECK(Layout::splitRow(1, 0, true) == 1);
}

TEST_CASE("layout: a long row continues on the next page instead of leaving the page empty",
          "[pdf][layout]") {
  // Twelve short rows, then one of 40 lines: it does not fit under them but would on a fresh
  // page. It starts under them and continues on the next page.
  PdfSection s;
  s.title = "Section";
  for (int i = 0; i < 12; ++i)
    s.items.push_back({"f" + std::to_string(i), "Filler " + std::to_string(i), PdfText{"v"}, ""});
  std::string tall;
  for (int i = 1; i <= 40; ++i) tall += "line" + std::to_string(i) + "\n";
  s.items.push_back({"tall", "Tall answer", PdfText{tall}, ""});
  PdfDocument d;
  d.header.title = "Plan";
  d.sections = {s};
  Layout l(fonts());
  Painter(l, d).paint();
  auto pages = pageTexts(l);
  auto pageOf = [&](const std::string& what) {
    for (std::size_t p = 0; p < pages.size(); ++p)
      if (pages[p].find(what + "\n") != std::string::npos) return static_cast<int>(p);
    return -1;
  };
  INFO(pages[0]);
  REQUIRE(pageOf("Filler 11") == 0);
  CHECK(pageOf("line1") == 0);   // begun at once: the page is used to its foot
  CHECK(pageOf("line40") == 1);  // and continued on the next
  CHECK(pageOf("line39") == 1);  // two lines at least carried over
}

TEST_CASE("layout: a table's header is never left alone at the foot of a page", "[pdf][layout]") {
  // Fill a page so that the header fits at its foot but no more; the table (its first row is
  // five lines) must start on the next page with its header.
  PdfDocument d;
  d.header.title = "Plan";
  PdfSection s;
  s.title = "Section";
  for (int i = 0; i < 200; ++i) {
    PdfItem filler;
    filler.id = "f" + std::to_string(i);
    filler.label = "Filler " + std::to_string(i);
    filler.content = PdfText{"value"};
    s.items.push_back(filler);
  }
  PdfTable t;
  t.columns = {{"Hazard header", 1}, {"Control header", 1}};
  t.rows.push_back({std::string("one\ntwo\nthree\nfour\nfive"), std::string("x")});
  t.rows.push_back({std::string("second row"), std::string("y")});
  PdfItem table;
  table.id = "t";
  table.label = "The table";
  table.content = t;
  // Try the table after each number of fillers: wherever the page ends, the header row is
  // followed on its page by at least two lines of the first row.
  for (int n = 30; n < 60; ++n) {
    PdfDocument doc = d;
    PdfSection sec = s;
    sec.items.resize(static_cast<std::size_t>(n));
    sec.items.push_back(table);
    doc.sections = {sec};
    Layout l(fonts());
    Painter(l, doc).paint();
    for (const auto& page : pageTexts(l)) {  // the page where the table starts
      auto at = page.find("Hazard header");
      if (at == std::string::npos) continue;
      INFO("fillers: " << n << "\n" << page.substr(at));
      CHECK(page.find("one\n", at) != std::string::npos);
      CHECK(page.find("two\n", at) != std::string::npos);
      break;
    }
  }
}

TEST_CASE("line break: spaces first, then long words with a visible hyphen", "[pdf][layout]") {
  // Words move to the next line whole.
  auto plain = wrap("the quick brown fox jumps over the lazy dog", 100);
  INFO(joined(plain));
  CHECK(plain.size() > 1);
  std::string words;
  for (const auto& l : plain) words += (words.empty() ? "" : " ") + l;
  CHECK(words == "the quick brown fox jumps over the lazy dog");
  // A word wider than the line: every piece but the last ends in '-', nothing is lost, no piece
  // is wider than the line, no piece is a lone letter.
  const std::string word = "Pneumonoultramicroscopicsilicovolcanoconiosis";
  auto lines = wrap("a " + word + " b", 80);
  std::string rebuilt;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO(joined(lines));
    std::string l = lines[i];
    if (l == "a") {
      rebuilt += "a ";
      continue;
    }
    CHECK(wrapText(l, fonts(), false, 10, 80).size() == 1);  // fits
    if (l.size() > 2 && l.substr(l.size() - 2) == " b") l = l.substr(0, l.size() - 2);
    bool last = i + 1 == lines.size();
    if (!last) {
      REQUIRE(l.back() == '-');
      l.pop_back();
    }
    CHECK(l.size() >= 2);
    rebuilt += l;
  }
  CHECK(rebuilt == "a " + word);
  // Cut after a hyphen the word has: no second hyphen added.
  auto compound = wrap("well-being-and-safety-arrangements", 90);
  INFO(joined(compound));
  REQUIRE(compound.size() >= 2);
  CHECK(compound[0].back() == '-');
  CHECK(compound[0].find("--") == std::string::npos);
  // Letters suggest syllables: "administration" is not cut as "administrati-on".
  auto syllables = wrap("administrationadministration", 70);
  INFO(joined(syllables));
  REQUIRE(syllables.size() >= 2);
  CHECK(syllables[0].back() == '-');
}

TEST_CASE("line break: a date or time is never split", "[pdf][layout]") {
  // In a narrow cell the stamp gets a line of its own, whole; the words around it wrap.
  auto lines = wrap("signed 2026-12-02T15:48:00Z by Ms Ní Bhriain on 02/12/2026", 60);
  INFO(joined(lines));
  CHECK(std::find(lines.begin(), lines.end(), "2026-12-02T15:48:00Z") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "02/12/2026") != lines.end());
  for (const auto& l : lines) CHECK((l.find('-') == std::string::npos || l.size() == 20));
  // Words that merely have digits and hyphens are words: "well-being" may break after its '-'.
  CHECK(isDateTimeToken(U"2026-12-02T15:48:00Z"));
  CHECK(isDateTimeToken(U"15:48"));
  CHECK_FALSE(isDateTimeToken(U"well-being"));
  CHECK_FALSE(isDateTimeToken(U"A12-34"));
  CHECK_FALSE(isDateTimeToken(U"12345"));
}

TEST_CASE("text of script faces breaks where UAX #14 allows, by shaped widths", "[pdf][scripts]") {
  Layout l(fonts());
  const Style body{false, 10, kInk};
  // Chinese: no spaces, broken between ideographs; every line fits; nothing lost or added.
  const std::string chinese =
      "我的女儿很喜欢上学，但是她需要更多的阅读帮助。老师每天都会和她一起读书，她现在进步很大。";
  const auto zh = texts(wrapText(chinese, fonts(), false, 10, 120));
  INFO(joined(zh));
  CHECK(zh.size() > 1);
  std::string rebuilt;
  for (const auto& line : zh) {
    CHECK(l.width(line, body) <= 120.01f);
    rebuilt += line;
  }
  CHECK(rebuilt == chinese);
  // No line starts with a closing punctuation mark (UAX #14: "，" and "。" stay with the text).
  for (const auto& line : zh) {
    CHECK(line.rfind("，", 0) != 0);
    CHECK(line.rfind("。", 0) != 0);
  }
  // Urdu: broken at spaces, each line within the width by its shaped (Nastaliq) advances.
  const std::string urdu =
      "میرا بیٹا احمد اسکول جانا پسند کرتا ہے اور اپنے دوستوں کے ساتھ کھیلتا ہے۔ وہ ریاضی میں "
      "بہت اچھا ہے لیکن اسے پڑھنے میں مدد کی ضرورت ہے۔";
  const auto ur = texts(wrapText(urdu, fonts(), false, 10, 150));
  INFO(joined(ur));
  CHECK(ur.size() > 1);
  std::string words;
  for (const auto& line : ur) {
    CHECK(l.width(line, body) <= 150.01f);
    CHECK(line.front() != ' ');
    CHECK(line.back() != ' ');
    words += (words.empty() ? "" : " ") + line;
  }
  CHECK(words == urdu);
  // A right-to-left line is right-aligned in its box; a left-to-right one is not.
  l.newPage();
  l.text(kLeft, 700, "مريم العلي", body, 200);
  l.text(kLeft, 680, "Mary", body, 200);
  const auto& ops = l.ops();
  REQUIRE(ops.size() >= 2);
  const Op& rtl = ops[ops.size() - 2];
  const Op& ltr = ops.back();
  REQUIRE(rtl.shaped);
  CHECK(rtl.shaped->rtl);
  CHECK(rtl.x == Approx(kLeft + 200 - rtl.shaped->width * 10 / 1000).margin(0.01));
  CHECK(ltr.x == kLeft);
  CHECK_FALSE(ltr.shaped);
}

namespace {

// The paragraph of `lines` joined by spaces, wrapped at the first width (in whole points) that
// breaks it into exactly those lines; empty when none does.
std::vector<TextLine> wrappedAs(const std::vector<std::string>& lines) {
  std::string paragraph;
  for (const std::string& l : lines) paragraph += (paragraph.empty() ? "" : " ") + l;
  for (int w = 20; w < 600; ++w) {
    std::vector<TextLine> out = wrapText(paragraph, fonts(), false, 10, static_cast<float>(w));
    if (texts(out) == lines) return out;
  }
  return {};
}

// The logical text of each run of a shaped line, in visual order (left to right).
std::vector<std::u32string> runTexts(const Op& op) {
  std::vector<std::u32string> out;
  for (const TextRun& r : op.shaped->runs) out.push_back(op.text.substr(r.from, r.to - r.from));
  return out;
}

}  // namespace

TEST_CASE("a wrapped right-to-left paragraph keeps its direction on lines that start with Latin",
          "[pdf][scripts]") {
  Layout l(fonts());
  const Style body{false, 10, kInk};
  const std::string first = "میرا بیٹا احمد اسکول جاتا ہے۔";
  const std::string second = "Ahmed Khan 2024 سے یہاں ہے.";
  // Wrapped so the second line starts with the English name.
  const std::vector<TextLine> lines = wrappedAs({first, second});
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].bidi.rtl);
  CHECK(lines[1].bidi.rtl);  // the paragraph's direction (its first strong character is Urdu)
  l.newPage();
  l.text(kLeft, 700, lines[1], body, 300);
  const Op& op = l.ops().back();
  REQUIRE(op.shaped);
  CHECK(op.shaped->rtl);
  // Right-aligned in its box, like the line before it.
  CHECK(op.x == Approx(kLeft + 300 - op.shaped->width * 10 / 1000).margin(0.01));
  // Visual order at the paragraph's level (UBA): the Urdu words (with the full stop ending them,
  // at their left) first, then the name and the year, a left-to-right stretch at the right.
  INFO(op.shaped->runs.size());
  const std::vector<std::u32string> runs = runTexts(op);
  REQUIRE(runs.size() == 3);
  CHECK(runs[0] == U"سے یہاں ہے.");
  CHECK(runs[1] == U" ");
  CHECK(runs[2] == U"Ahmed Khan 2024");
  CHECK(op.shaped->runs[0].rtl);
  CHECK(op.shaped->runs[0].face != nullptr);
  CHECK_FALSE(op.shaped->runs[2].rtl);
  CHECK(op.shaped->runs[2].codePoints == U"Ahmed Khan 2024");  // not reversed
  // The same line as its own paragraph is left-to-right (its first strong character is Latin).
  l.text(kLeft, 680, lines[1].text, body, 300);
  REQUIRE(l.ops().back().shaped);
  CHECK_FALSE(l.ops().back().shaped->rtl);
  CHECK(l.ops().back().x == kLeft);
}

TEST_CASE("a wrapped Arabic line that starts with a number or is all Latin is right-to-left",
          "[pdf][scripts]") {
  Layout l(fonts());
  const Style body{false, 10, kInk};
  const std::string first = "عمر مريم في الصف الرابع.";
  const std::string second = "9 سنوات.";
  const std::string third = "Mary Smith.";
  const std::vector<TextLine> numbered = wrappedAs({first, second});
  const std::vector<TextLine> named = wrappedAs({first, third});
  REQUIRE(numbered.size() == 2);
  REQUIRE(named.size() == 2);
  l.newPage();
  l.text(kLeft, 700, numbered[1], body, 300);
  const Op& number = l.ops().back();
  REQUIRE(number.shaped);
  CHECK(number.shaped->rtl);
  CHECK(number.x == Approx(kLeft + 300 - number.shaped->width * 10 / 1000).margin(0.01));
  // Right to left: the words (and their full stop) at the left, the number at the right.
  const std::vector<std::u32string> numberRuns = runTexts(number);
  REQUIRE(!numberRuns.empty());
  CHECK(numberRuns.back() == U"9");
  // A line of plain Latin in a right-to-left paragraph: right-aligned, the full stop (a neutral
  // at the paragraph's level) at its left, the words in their own order.
  l.text(kLeft, 680, named[1], body, 300);
  const Op& latin = l.ops().back();
  REQUIRE(latin.shaped);
  CHECK(latin.shaped->rtl);
  CHECK(latin.x == Approx(kLeft + 300 - latin.shaped->width * 10 / 1000).margin(0.01));
  const std::vector<std::u32string> latinRuns = runTexts(latin);
  REQUIRE(latinRuns.size() == 2);
  CHECK(latinRuns[0] == U".");
  CHECK(latinRuns[1] == U"Mary Smith");
  CHECK(latin.shaped->runs[1].codePoints == U"Mary Smith");
}

TEST_CASE("every row of the script table names an installed Noto face its scripts find",
          "[pdf][scripts]") {
  for (std::size_t i = 0; i < kScriptCount; ++i) {
    const ScriptRow& r = kScripts[i];
    INFO(r.face);
    const auto f = static_cast<ScriptFamily>(i);
    CHECK(fonts().face(f, false) != nullptr);  // Debian's fonts-noto-core / fonts-noto-cjk
    CHECK(fonts().face(f, true) != nullptr);   // bold, or regular where Noto has no bold
    for (std::uint32_t s : r.scripts) {
      if (s == kNone) continue;
      ScriptFamily found = 0;
      CHECK(familyOfScript(s, found));
      CHECK(found == f);
    }
    CHECK(std::string(r.placeholder).find(" text") != std::string::npos);
    CHECK(r.scale > 0);
  }
  // Characters find their rows; Common characters by where they live.
  ScriptFamily f = 0;
  REQUIRE(familyOf(U'ब', f));
  CHECK(row(f).face == "NotoSansDevanagari");
  REQUIRE(familyOf(U'陳', f));
  CHECK(f == kCjk);
  REQUIRE(familyOf(U'，', f));
  CHECK(f == kCjk);
  REQUIRE(familyOf(U'،', f));
  CHECK(f == kNaskhArabic);
  CHECK_FALSE(familyOf(U'A', f));
  // Placeholders name the script of a face that is not installed.
  CHECK(kindOf(U'ሳ') == Kind{Kind::kScript, familyNamed("NotoSansEthiopic")});
  CHECK(std::string(describe(kindOf(U'ሳ'))) == "Ethiopic (e.g. Tigrinya) text");
  CHECK(std::string(describe(kindOf(U'ے'))) == "Urdu/Arabic-script text");
  CHECK(kindOf(U'😀').tag == Kind::kEmoji);
  CHECK(kindOf(kBadUtf8).tag == Kind::kInvalid);
  CHECK(kindOf(U'ᚠ').tag == Kind::kOther);  // Runic: no row
}
