#include "sendflow/engine/forms/sample_values.h"

#include <Poco/JSON/Array.h>

#include <algorithm>

#include "sendflow/engine/forms/form_values.h"

namespace sendflow::engine {
namespace {

// Answers for common questions; anything else gets a plain, sensible sentence.
const std::map<std::string, std::string>& cannedText() {
  static const std::map<std::string, std::string> k{
      {"why_needed",
       "Uses a wheelchair full time and cannot use the stairs unaided. Tires quickly in the "
       "afternoon."},
      {"alert_details",
       "A member of staff tells her directly and uses the agreed hand signal; the vibrating pager "
       "is kept in her bag."},
      {"helpers_absent",
       "The office calls the next trained adult on the rota; the class teacher stays with the "
       "pupil at the refuge until they arrive."},
      {"communication",
       "Short, calm instructions; she likes to be told what is happening next. Uses Makaton signs "
       "for 'stop' and 'wait'."},
      {"parent_views",
       "We are happy with the plan and would like a copy of the drill dates so we can practise at "
       "home."},
      {"pupil_feelings",
       "I like it when Miss practises with me. The alarm is loud so I want my ear defenders."},
      {"pupil_help", "Tell me before the drill. Let me hold my teddy."},
      {"care_needed",
       "Help with toileting and changing continence pads, twice a day and as needed."},
      {"procedure",
       "1. Two staff go with the pupil to the accessible toilet. 2. Explain each step before doing "
       "it. 3. Use gloves and aprons. 4. Record the change on the care log."},
      {"triggers",
       "Sudden loud noises; changes to the timetable without warning; being touched from behind."},
      {"hazard", "Falls when moving between the classroom and the playground"},
      {"condition", "Type 1 diabetes, diagnosed 2022."},
  };
  return k;
}

Poco::Dynamic::Var sample(const FieldDef& f, Date today, const std::string& staffRef, int variant) {
  auto canned = cannedText().find(f.id);
  switch (f.kind) {
    case FieldKind::kText:
      if (canned != cannedText().end()) return canned->second;
      return f.label.size() < 40 ? std::string("Agreed at the planning meeting")
                                 : std::string("See the planning meeting notes");
    case FieldKind::kLongText:
      if (canned != cannedText().end()) return canned->second;
      return std::string(
          "Agreed with the family and staff at the planning meeting. Staff follow this every day "
          "and record anything unusual in the daily log.");
    case FieldKind::kDate: {
      static const int kOffsets[] = {-40, 20, -400, 200, -5};  // tried in turn until valid
      return isoDate(Date{std::chrono::sys_days{today} + std::chrono::days(kOffsets[variant % 5])});
    }
    case FieldKind::kNumber:
      return f.min ? *f.min : 1.0;
    case FieldKind::kChoice:
      return f.options.empty() ? std::string()
                               : f.options[static_cast<size_t>(variant) % f.options.size()].value;
    case FieldKind::kMultiChoice: {
      Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
      for (size_t i = 0; i < f.options.size() && i < std::max<size_t>(1, f.minSelected.value_or(1));
           ++i)
        a->add(f.options[i].value);
      return a;
    }
    case FieldKind::kYesNo:
      return variant % 2 == 1;
    case FieldKind::kPerson:
      return staffRef;
    case FieldKind::kTable: {
      Poco::JSON::Array::Ptr rows = new Poco::JSON::Array;
      for (size_t r = 0; r < std::max<size_t>(2, f.minRows) && r < f.maxRows; ++r) {
        Poco::JSON::Object::Ptr row = new Poco::JSON::Object;
        for (const auto& c : f.columns)
          if (c.kind != FieldKind::kComputed) row->set(c.id, sample(c, today, staffRef, variant));
        rows->add(row);
      }
      return rows;
    }
    case FieldKind::kComputed:
      break;
  }
  return {};
}

}  // namespace

Poco::JSON::Object::Ptr sampleValues(const FormDefinition& form, const Poco::JSON::Object& start,
                                     const Pupil& pupil, Date today, const SampleOptions& options) {
  const std::string& staffRef = options.staffRef;
  const auto& skip = options.skip;
  const auto& given = options.given;
  Poco::JSON::Object::Ptr values = new Poco::JSON::Object(start);
  for (const auto& [k, val] : given) values->set(k, val);
  for (int pass = 0; pass < 3; ++pass) {
    for (const auto* f : form.fields()) {
      if (f->readonly || f->hidden || f->kind == FieldKind::kComputed || skip.count(f->id) ||
          given.count(f->id) || !f->prefill.empty())
        continue;
      if (!isFieldVisible(form, *f, *values)) continue;
      if (values->has(f->id) && isPresent(values->get(f->id))) continue;
      values->set(f->id, sample(*f, today, staffRef, 0));
    }
  }
  ValueContext ctx;
  ctx.today = today;
  ctx.pupil = &pupil;
  ctx.previous = &start;  // what the plan already holds is judged as a save would judge it
  for (int variant = 1; variant < 5; ++variant) {
    auto check = validateValues(form, *values, ctx);
    if (check.invalid.empty()) break;
    for (const auto& e : check.invalid) {
      std::string id = e.field.substr(0, e.field.find('['));
      if (const FieldDef* f = form.field(id)) values->set(id, sample(*f, today, staffRef, variant));
    }
  }
  return values;
}

}  // namespace sendflow::engine
