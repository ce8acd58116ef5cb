// Views: templates compiled once at start, partials expanded into each template when loading.
#include "pages/views.h"

#include <Poco/FileStream.h>

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

using sendflow::testing::TempDir;
using sendflow::web::Data;
using sendflow::web::Views;

namespace {

void write(const TempDir& dir, const std::string& name, const std::string& text) {
  Poco::FileOutputStream out(dir.file(name));
  out << text;
}

// What kainjow renders when it is handed the partials at render time (the way Views did it).
std::string renderWithLivePartials(const std::string& text, Data data,
                                   const std::map<std::string, std::string>& partials) {
  for (const auto& partial : partials) {
    const std::string& body = partial.second;
    data.set(partial.first, kainjow::mustache::partial([&body] { return body; }));
  }
  kainjow::mustache::mustache t(text);
  REQUIRE(t.is_valid());
  return t.render(data);
}

Data sample() {
  Data rows = sendflow::web::list();
  for (const char* name : {"Zoë <b>", "Ann & Bo", ""}) {
    Data r;
    r.set("name", name);
    r.set("first", std::string(name) == "Zoë <b>");
    rows.push_back(r);
  }
  Data d;
  d.set("title", "Plan \"A\"");
  d.set("rows", rows);
  d.set("has_rows", true);
  return d;
}

const std::map<std::string, std::string> kPartials{
    {"_row", "<li>{{name}}{{#first}} (first){{/first}}</li>\n"},
    {"_inline", "[{{> _leaf}}]"},
    {"_leaf", "{{title}}"},
    {"_list", "  <ul>\n  {{#rows}}\n    {{> _row}}\n  {{/rows}}\n  </ul>\n"},
};
const std::string kPage =
    "<h1>{{title}}</h1>\n"
    "{{> _list}}\n"
    "<p>{{#rows}}{{> _inline}}{{/rows}}</p>\n"
    "{{#has_rows}}\n"
    "{{> _row}}\n"
    "{{/has_rows}}\n"
    "{{^none}}{{> _inline}}{{/none}} tail {{{title}}}\n";

}  // namespace

TEST_CASE("views: a template with partials renders exactly as with partials given at render time",
          "[views]") {
  TempDir dir;
  for (const auto& [name, text] : kPartials) write(dir, name + ".mustache", text);
  write(dir, "page.mustache", kPage);
  Views views(dir.path());
  const std::string expected = renderWithLivePartials(kPage, sample(), kPartials);
  CHECK(expected.find("<li>Zoë &lt;b&gt; (first)</li>") != std::string::npos);
  CHECK(views.render("page", sample()) == expected);
  // A partial is a template too, and renders alone.
  CHECK(views.render("_list", sample()) ==
        renderWithLivePartials(kPartials.at("_list"), sample(), kPartials));
}

TEST_CASE("views: renders from many threads at once give the same page", "[views]") {
  TempDir dir;
  for (const auto& [name, text] : kPartials) write(dir, name + ".mustache", text);
  write(dir, "page.mustache", kPage);
  const Views views(dir.path());
  const std::string expected = views.render("page", sample());
  std::vector<std::thread> threads;
  std::vector<int> same(8, 0);
  for (size_t t = 0; t < same.size(); ++t)
    threads.emplace_back([&, t] {
      const Data d = sample();
      for (int i = 0; i < 200; ++i) same[t] += views.render("page", d) == expected;
    });
  for (auto& t : threads) t.join();
  for (int n : same) CHECK(n == 200);
}

TEST_CASE("views: an include of no such partial stops start-up, naming both templates", "[views]") {
  TempDir dir;
  write(dir, "_row.mustache", "<li>{{name}}</li>");
  write(dir, "plan.mustache", "<ul>{{#rows}}{{> _rwo}}{{/rows}}</ul>");
  try {
    Views views(dir.path());
    FAIL("Views accepted an include of a partial that does not exist");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    CHECK(what.find("plan.mustache") != std::string::npos);
    CHECK(what.find("_rwo") != std::string::npos);
  }
}

TEST_CASE("views: a syntax error is reported at start with the template's name", "[views]") {
  TempDir dir;
  write(dir, "_row.mustache", "<li>{{#name}}</li>");
  write(dir, "plan.mustache", "<ul>{{> _row}}</ul>");
  CHECK_THROWS_WITH(Views(dir.path()), Catch::Contains("_row.mustache") &&
                                           Catch::Contains("Unclosed section \"name\""));
}

TEST_CASE("views: a partial that includes itself stops start-up", "[views]") {
  TempDir dir;
  write(dir, "_loop.mustache", "x{{> _loop}}");
  CHECK_THROWS_WITH(Views(dir.path()), Catch::Contains("_loop.mustache"));
}
