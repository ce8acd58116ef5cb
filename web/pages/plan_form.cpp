#include "pages/plan_form.h"

#include <Poco/JSON/Array.h>

#include <limits>

#include "http/http.h"
#include "i18n/translations.h"
#include "sendflow/engine/core/input.h"
#include "sendflow/engine/forms/form_values.h"

namespace sendflow::web {

using engine::FieldDef;
using engine::FieldKind;

namespace {

constexpr std::int64_t kMaxPostedRows = 500;

std::string scalarText(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return "";
  if (v.isBoolean()) return v.extract<bool>() ? "yes" : "no";
  if (v.isString()) return v.extract<std::string>();
  if (v.isNumeric()) return engine::canonicalJson(v);
  return "";
}

Poco::Dynamic::Var get(const Poco::JSON::Object& o, const std::string& key) {
  return o.has(key) ? o.get(key) : Poco::Dynamic::Var();
}

std::vector<std::string> allValues(const Poco::Net::HTMLForm& post, const std::string& name) {
  std::vector<std::string> out;
  for (auto it = post.find(name); it != post.end() && it->first == name; ++it)
    out.push_back(it->second);
  return out;
}

// One posted input for a scalar field kind; person fields may carry a typed name instead.
std::optional<std::string> postedScalar(const Poco::Net::HTMLForm& post, const std::string& name,
                                        const FieldDef& f) {
  if (f.kind == FieldKind::kPerson) {
    std::string chosen = post.get(name, "");
    if (chosen == "_other" || chosen.empty()) {
      std::string typed = post.get(name + "._text", "");
      if (!typed.empty()) return typed;
      if (chosen.empty() && !post.has(name)) return std::nullopt;
      return std::string();
    }
    return chosen;
  }
  if (!post.has(name)) return std::nullopt;
  return post.get(name);
}

Poco::Dynamic::Var postedValue(const Poco::Net::HTMLForm& post, const std::string& name,
                               const FieldDef& f, bool& present) {
  present = false;
  if (f.kind == FieldKind::kMultiChoice) {
    // An unticked set of checkboxes posts nothing: the "present" marker says the field was shown.
    auto values = allValues(post, name);
    present = !values.empty() || post.has(name + "._present");
    Poco::JSON::Array::Ptr arr = new Poco::JSON::Array;
    for (const auto& v : values)
      if (!v.empty()) arr->add(v);
    return arr;
  }
  auto s = postedScalar(post, name, f);
  if (!s) return {};
  present = true;
  return *s;
}

// The hint of a question (or section) its condition shows: "Only needed when “Does the pupil
// take medicines?” is Yes." In a contact's language where the page has catalogues: the form's
// words in the language where it gives them, the values listed by ICU ("Tak lub Nie").
std::string whenHint(const engine::FormDefinition& form, const engine::Condition& c,
                     const EditorInput& in) {
  const FieldDef* on = form.field(c.field);
  const std::string& lang = in.language;
  const bool english = !in.translations || lang == engine::kEnglish;
  auto tr = [&](const std::string& msgid) -> std::string {
    return english ? msgid : in.translations->text(lang, msgid);
  };
  const std::string label = on ? on->labelIn(lang).text : c.field;
  if (c.op == engine::Condition::Op::kNotEmpty)
    return fillPlaceholders(tr(N_("Only needed when “{{question}}” is answered.")),
                            {{"question", label}});
  std::vector<std::string> values;
  for (const auto& cv : c.canonicalValues) {
    std::string shown = cv;
    if (cv == "true")
      shown = tr(N_("Yes"));
    else if (cv == "false")
      shown = tr(N_("No"));
    else if (cv.size() >= 2 && cv.front() == '"') {
      shown = cv.substr(1, cv.size() - 2);
      if (on)
        if (auto* opt = on->option(shown)) shown = opt->labelIn(lang).text;
    }
    values.push_back(shown);
  }
  std::string joined;
  if (english)
    for (const auto& v : values) joined += (joined.empty() ? "" : " or ") + v;
  else
    joined = localList(lang, values, ListKind::kOr);
  return fillPlaceholders(tr(N_("Only needed when “{{question}}” is {{values}}.")),
                          {{"question", label}, {"values", joined}});
}

// Values as the browser posts them, for client-side visibility: true -> "yes", "x" -> "x".
std::string whenValuesJson(const engine::Condition& c) {
  Poco::JSON::Array arr;
  for (const auto& cv : c.canonicalValues) {
    if (cv == "true")
      arr.add("yes");
    else if (cv == "false")
      arr.add("no");
    else if (cv.size() >= 2 && cv.front() == '"')
      arr.add(cv.substr(1, cv.size() - 2));
    else
      arr.add(cv);
  }
  return engine::canonicalJson(Poco::Dynamic::Var(arr));
}

struct FieldContext {
  const EditorInput& in;
  const engine::FormDefinition& form;
  std::map<std::string, std::string> computed;  // path -> display
};

// Mustache looks names up the context stack: every key the field partial reads is set on each
// field, so a cell never shows its table's help or a field its section's condition. Made once
// and copied: a copy allocates its table once, where setting the keys one by one rehashes.
const Data& blankField() {
  static const Data blank = [] {
    Data d;
    for (const char* k :
         {"help",        "error",          "when_field",  "when_values", "when_not_empty",
          "help_en",     "label_en",       "when_hint",   "describedby", "k_text",
          "k_long_text", "k_date",         "k_number",    "k_yesno",     "k_radios",
          "k_multi",     "k_select",       "k_person",    "k_computed",  "k_table",
          "free_text",   "other_selected", "yes_checked", "no_checked",  "existing",
          "has_rows",    "warning",        "error_en"})
      d.set(k, false);
    d.set("options", list());
    d.set("typed", "");
    d.set("step", "any");
    return d;
  }();
  return blank;
}

void setWhen(Data& d, const engine::FormDefinition& form, const engine::Condition& c,
             const EditorInput& in) {
  d.set("when_field", "f." + c.field);
  d.set("when_values", whenValuesJson(c));
  d.set("when_not_empty", c.op == engine::Condition::Op::kNotEmpty);
  d.set("when_hint", whenHint(form, c, in));
}

Data fieldData(FieldContext& ctx, const FieldDef& f, const std::string& path,
               const std::string& name, const Poco::Dynamic::Var& value, bool inTable) {
  Data d = blankField();  // a copy
  {
    // Inputs are described by their hint, the condition that shows them and their error.
    std::string describedBy;
    auto add = [&](const std::string& suffix) {
      describedBy += (describedBy.empty() ? "" : " ") + anchorFor(path) + suffix;
    };
    if (!f.help.empty()) add("-hint");
    if (f.visibleWhen && !inTable) {
      setWhen(d, ctx.form, *f.visibleWhen, ctx.in);
      add("-when");
    }
    if (ctx.in.errors.count(path)) add("-error");
    if (ctx.in.warnings)
      for (const auto& w : *ctx.in.warnings)
        if (w.field == path) {
          d.set("warning", w.message);
          add("-warning");
        }
    if (!describedBy.empty()) d.set("describedby", describedBy);
  }
  d.set("id", f.id);
  d.set("name", name);
  d.set("anchor", anchorFor(path));
  // A word the definition does not give in the contact's language shows in English, marked as
  // English (lang="en-GB") so that a screen reader reads it right.
  const auto words = f.labelIn(ctx.in.language);
  d.set("label", words.text);
  d.set("label_en", words.fellBack);
  if (!f.help.empty()) {
    const auto help = f.helpIn(ctx.in.language);
    d.set("help", help.text);
    d.set("help_en", help.fellBack);
  }
  d.set("required", f.required);
  d.set("optional", !f.required && f.kind != FieldKind::kComputed);
  auto err = ctx.in.errors.find(path);
  if (err != ctx.in.errors.end()) {
    d.set("error", err->second);
    d.set("error_en", ctx.in.errorsInEnglish.count(err->second) > 0);
  }
  const bool editable = ctx.in.editable && !f.readonly && f.kind != FieldKind::kComputed;
  d.set("editable", editable);
  const std::string text = scalarText(value);
  std::string display =
      f.kind == FieldKind::kComputed
          ? (ctx.computed.count(path) ? ctx.computed[path] : std::string("—"))
          : (engine::isPresent(value) ? engine::displayValue(f, value) : std::string("—"));
  if (f.kind == FieldKind::kPerson)  // a chosen person shows by name, never as "user:5"
    for (const auto& [ref, label] : ctx.in.people)
      if (ref == text) display = label;
  d.set("display", display);
  d.set("value", text);
  switch (f.kind) {
    case FieldKind::kText:
      d.set("k_text", true);
      break;
    case FieldKind::kLongText:
      d.set("k_long_text", true);
      break;
    case FieldKind::kDate:
      d.set("k_date", true);
      break;
    case FieldKind::kNumber:
      d.set("k_number", true);
      d.set("step", f.integer ? "1" : "any");
      break;
    case FieldKind::kYesNo:
      d.set("k_yesno", true);
      d.set("yes_checked", text == "yes");
      d.set("no_checked", text == "no");
      break;
    case FieldKind::kComputed:
      d.set("k_computed", true);
      break;
    case FieldKind::kChoice:
    case FieldKind::kMultiChoice: {
      const bool multi = f.kind == FieldKind::kMultiChoice;
      std::set<std::string> chosen;
      if (multi && value.type() == typeid(Poco::JSON::Array::Ptr)) {
        auto arr = value.extract<Poco::JSON::Array::Ptr>();
        for (size_t i = 0; arr && i < arr->size(); ++i)
          chosen.insert(arr->get(static_cast<unsigned>(i)).toString());
      } else if (!text.empty()) {
        chosen.insert(text);
      }
      Data options = list();
      int n = 0;
      for (const auto& o : f.options) {
        Data od;
        od.set("value", o.value);
        const auto optionLabel = o.labelIn(ctx.in.language);
        od.set("label", optionLabel.text);
        od.set("label_en", optionLabel.fellBack);
        od.set("checked", chosen.count(o.value) > 0);
        // The first option carries the field's own id: error links point at it (GOV.UK).
        od.set("option_id", n == 0 ? anchorFor(path) : anchorFor(path) + "-" + std::to_string(n));
        ++n;
        append(options, std::move(od));
      }
      put(d, "options", std::move(options));
      d.set(multi ? "k_multi" : (f.options.size() <= 6 && !inTable ? "k_radios" : "k_select"),
            true);
      break;
    }
    case FieldKind::kPerson: {
      d.set("k_person", true);
      Data options = list();
      bool matched = text.empty();
      for (const auto& [ref, label] : ctx.in.people) {
        bool staff = ref.rfind("user:", 0) == 0;
        bool allowed = f.people.empty() || std::find(f.people.begin(), f.people.end(),
                                                     staff ? "staff" : "contact") != f.people.end();
        if (!allowed) continue;
        Data od;
        od.set("value", ref);
        od.set("label", label);
        od.set("selected", ref == text);
        matched = matched || ref == text;
        append(options, std::move(od));
      }
      put(d, "options", std::move(options));
      bool freeText = f.people.empty() ||
                      std::find(f.people.begin(), f.people.end(), "free_text") != f.people.end();
      d.set("free_text", freeText);
      // A typed name (not one of the people) shows in the text box.
      if (!matched) {
        d.set("typed", text);
        d.set("other_selected", true);
      }
      break;
    }
    case FieldKind::kTable:
      break;
  }
  return d;
}

Data tableData(FieldContext& ctx, const FieldDef& t, const Poco::Dynamic::Var& value) {
  Data d = fieldData(ctx, t, t.id, "f." + t.id, value, false);
  d.set("k_table", true);
  Data columns = list();
  for (const auto& c : t.columns) {
    Data cd;
    const auto columnLabel = c.labelIn(ctx.in.language);
    cd.set("label", columnLabel.text);
    cd.set("label_en", columnLabel.fellBack);
    append(columns, std::move(cd));
  }
  put(d, "columns", std::move(columns));
  Poco::JSON::Array::Ptr rows;
  if (value.type() == typeid(Poco::JSON::Array::Ptr))
    rows = value.extract<Poco::JSON::Array::Ptr>();
  size_t count = rows ? rows->size() : 0;
  const bool editable = ctx.in.editable && !t.readonly;
  size_t shown = count + (editable && count < t.maxRows ? 1 : 0);  // one blank row to add to
  if (editable && shown < t.minRows) shown = t.minRows;
  Data rowList = list();
  for (size_t r = 0; r < shown; ++r) {
    Poco::JSON::Object::Ptr row;
    if (rows && r < count) row = rows->getObject(static_cast<unsigned>(r));
    Data rd;
    rd.set("index", std::to_string(r));
    // In the page's digits, as live.js numbers the rows it adds (Intl.NumberFormat).
    rd.set("number", ctx.in.language == engine::kEnglish
                         ? std::to_string(r + 1)
                         : localCount(ctx.in.language, static_cast<long>(r + 1)));
    rd.set("remove_name", "f." + t.id + "." + std::to_string(r) + "._remove");
    rd.set("remove_id", anchorFor(t.id + "[" + std::to_string(r) + "]") + "-remove");
    rd.set("existing", r < count);
    Data cells = list();
    for (const auto& c : t.columns) {
      std::string path = t.id + "[" + std::to_string(r) + "]." + c.id;
      Poco::Dynamic::Var cv = row && row->has(c.id) ? row->get(c.id) : Poco::Dynamic::Var();
      Data cell =
          fieldData(ctx, c, path, "f." + t.id + "." + std::to_string(r) + "." + c.id, cv, true);
      append(cells, std::move(cell));
    }
    put(rd, "cells", std::move(cells));
    append(rowList, std::move(rd));
  }
  put(d, "rows", std::move(rowList));
  d.set("rows_name", "rows." + t.id);
  d.set("row_count", std::to_string(shown));
  d.set("has_rows", shown > 0);
  d.set("max_rows", std::to_string(t.maxRows));
  return d;
}

}  // namespace

std::string anchorFor(const std::string& fieldPath) {
  std::string out = "f-";
  for (char c : fieldPath) {
    if (c == '[' || c == '.')
      out.push_back('-');
    else if (c != ']')
      out.push_back(c);
  }
  return out;
}

std::string errorAnchor(const engine::FormDefinition& form, const std::string& fieldPath) {
  const auto bracket = fieldPath.find('[');
  const FieldDef* f = form.field(fieldPath.substr(0, bracket));
  if (!f || f->kind != FieldKind::kTable) return anchorFor(fieldPath);
  std::string row = "0";
  if (bracket != std::string::npos) {
    const auto close = fieldPath.find(']', bracket);
    if (close == std::string::npos || close + 1 != fieldPath.size())
      return anchorFor(fieldPath);  // a cell: its own input
    row = fieldPath.substr(bracket + 1, close - bracket - 1);
  }
  for (const auto& c : f->columns)
    if (c.kind != FieldKind::kComputed && !c.readonly)
      return anchorFor(f->id + "[" + row + "]." + c.id);
  return anchorFor(fieldPath);
}

std::optional<int> baseVersionFromPost(const Poco::Net::HTMLForm& post) {
  auto n = engine::parseInteger(post.get("base_version", ""), 1, std::numeric_limits<int>::max());
  if (!n) return std::nullopt;
  return static_cast<int>(*n);
}

Poco::JSON::Object::Ptr valuesFromPost(const engine::FormDefinition& form,
                                       const Poco::Net::HTMLForm& post,
                                       const Poco::JSON::Object& current) {
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
  for (const auto* f : form.fields()) {
    if (f->kind == FieldKind::kComputed) continue;
    const std::string name = "f." + f->id;
    if (f->readonly || f->hidden) {
      if (current.has(f->id)) out->set(f->id, current.get(f->id));
      continue;
    }
    if (f->kind == FieldKind::kTable) {
      if (!post.has("rows." + f->id)) {
        if (current.has(f->id)) out->set(f->id, current.get(f->id));
        continue;
      }
      auto posted = engine::parseInteger(post.get("rows." + f->id), 0, kMaxPostedRows);
      if (!posted)
        throw BadRequest("rows." + f->id + " must be a number of rows from 0 to " +
                         std::to_string(kMaxPostedRows) + ".");
      const auto rows = static_cast<size_t>(*posted);
      Poco::JSON::Array::Ptr arr = new Poco::JSON::Array;
      for (size_t r = 0; r < rows; ++r) {
        const std::string prefix = name + "." + std::to_string(r) + ".";
        if (post.has(prefix + "_remove")) continue;
        Poco::JSON::Object::Ptr row = new Poco::JSON::Object;
        for (const auto& c : f->columns) {
          if (c.kind == FieldKind::kComputed) continue;
          bool present = false;
          auto v = postedValue(post, prefix + c.id, c, present);
          if (present) row->set(c.id, v);
        }
        arr->add(row);
      }
      out->set(f->id, arr);
      continue;
    }
    bool present = false;
    auto v = postedValue(post, name, *f, present);
    if (present)
      out->set(f->id, v);
    else if (current.has(f->id) && !post.has(name + "._present"))
      out->set(f->id, current.get(f->id));
  }
  // Names the form does not have are passed on, so validation can refuse them by name.
  for (const auto& [k, v] : post) {
    if (k.rfind("f.", 0) != 0) continue;
    std::string id =
        k.substr(2, k.find('.', 2) == std::string::npos ? std::string::npos : k.find('.', 2) - 2);
    if (!form.field(id) && !out->has(id)) out->set(id, v);
  }
  return engine::valuesFromControls(form, *out);
}

namespace {

// Appends `part` so that no two different lists of parts make the same key.
void keyPart(std::string& key, std::string_view part) {
  key += std::to_string(part.size());
  key += ':';
  key += part;
}

// What editorSections(in) is made from, as one string; empty when `in` shows answers that are
// not a stored version's (a user's own, re-shown): those are rendered every time.
std::string editorKey(const EditorInput& in) {
  const engine::PlanView& v = *in.view;
  if (!v.form || in.values != v.values.get() || v.version.valuesJson.empty()) return "";
  std::string key;
  key.reserve(v.version.valuesJson.size() + 512);
  keyPart(key, std::to_string(v.plan.formSnapshotId));
  keyPart(key, v.form->type);
  keyPart(key, std::to_string(v.form->version));
  keyPart(key, v.version.valuesJson);  // the canonical JSON the values were parsed from
  keyPart(key, in.editable ? "edit" : "read");
  keyPart(key, in.language);
  keyPart(key, in.translations ? "catalogues" : "english");
  keyPart(key, in.sections ? "some" : "all");
  if (in.sections)
    for (const auto& s : *in.sections) keyPart(key, s);
  keyPart(key, "people");
  for (const auto& [ref, label] : in.people) {
    keyPart(key, ref);
    keyPart(key, label);
  }
  keyPart(key, "errors");
  for (const auto& [field, message] : in.errors) {
    keyPart(key, field);
    keyPart(key, message);
  }
  keyPart(key, "warnings");
  if (in.warnings)
    for (const auto& w : *in.warnings) {
      keyPart(key, w.field);
      keyPart(key, w.message);
    }
  return key;
}

Data sectionsData(const EditorInput& in) {
  Data root;
  put(root, "sections", editorSections(in));
  return root;
}

}  // namespace

std::string editorHtml(const Views& views, const EditorInput& in, std::string_view pageLanguage) {
  const std::string key = editorKey(in);
  if (key.empty()) return views.render("_sections", sectionsData(in), pageLanguage);
  return *views.rendered("_sections", pageLanguage, key, [&] { return sectionsData(in); });
}

Data editorSections(const EditorInput& in) {
  const auto& form = *in.view->form;
  FieldContext ctx{in, form, {}};
  for (const auto& c : engine::computeValues(form, *in.values)) {
    std::string shown = "—";
    if (c.value) {
      shown = engine::canonicalJson(Poco::Dynamic::Var(*c.value));
      if (c.band) shown += " (" + c.band->label + ")";
    }
    ctx.computed[c.path] = shown;
  }
  Data sections = list();
  for (const auto& s : form.sections) {
    if (in.sections && !in.sections->count(s.id)) continue;
    Data sd;
    for (const char* k : {"help", "when_field", "when_values", "when_not_empty", "when_hint"})
      sd.set(k, false);
    sd.set("id", s.id);
    const auto title = s.titleIn(in.language);
    sd.set("title", title.text);
    sd.set("title_en", title.fellBack);
    sd.set("help_en", false);
    if (!s.help.empty()) {
      const auto help = s.helpIn(in.language);
      sd.set("help", help.text);
      sd.set("help_en", help.fellBack);
    }
    sd.set("in_english", !s.fullyIn(in.language));
    sd.set("pupil_voice", s.pupilVoice);
    if (s.visibleWhen) setWhen(sd, form, *s.visibleWhen, in);
    Data fields = list();
    for (const auto& f : s.fields) {
      if (f.hidden) continue;
      Poco::Dynamic::Var value = get(*in.values, f.id);
      Data fd = f.kind == FieldKind::kTable ? tableData(ctx, f, value)
                                            : fieldData(ctx, f, f.id, "f." + f.id, value, false);
      append(fields, std::move(fd));
    }
    put(sd, "fields", std::move(fields));
    append(sections, std::move(sd));
  }
  return sections;
}

}  // namespace sendflow::web
