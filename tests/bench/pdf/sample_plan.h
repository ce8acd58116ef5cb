// A representative, filled SEN support plan (about three pages) for the PDF tests and benchmark.
#pragma once

#include <string>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/documents/pdf/pdf.h"

namespace sendflow::samples {

inline engine::PdfDocument samplePlan() {
  using namespace engine;
  using namespace std::chrono;
  auto text = [](std::string v) { return PdfItemContent{PdfText{std::move(v)}}; };
  auto longText = [](std::string v) { return PdfItemContent{PdfLongText{std::move(v)}}; };

  PdfDocument d;
  PdfHeader& h = d.header;
  h.academyName = "Oakfield Primary Academy — Northbridge Learning Trust";
  h.title = "SEN Support Plan";
  h.pupilName = "Zoë Ağca";
  h.dateOfBirth = Date{year{2015}, month{3}, day{14}};
  h.yearGroup = "Year 5";
  h.planState = "Awaiting signatures";
  h.version = 4;
  h.versionDate = sys_days{Date{year{2026}, month{3}, day{12}}} + hours{10} + minutes{15};
  h.contentHash = "9f2c4e81b7a03d5566e1f0c2ab9d7e43c1f08a2b6d94e7310c5a8f2e6b1d4c97";
  d.reviewDate = Date{year{2026}, month{9}, day{30}};

  PdfSection about{"1. About me", "Written with Zoë and her family in February 2026.", {}};
  about.items.push_back({"preferred_name", "Preferred name", text("Zoë"), ""});
  about.items.push_back(
      {"languages", "Languages spoken at home",
       PdfChoice{{"English", "Turkish", "Polish", "Other"}, {"English", "Turkish"}, true}, ""});
  about.items.push_back(
      {"likes", "What people like and admire about me",
       longText("Zoë is kind, funny and very determined. Her classmates say she is "
                "the best person to ask about animals, and she remembers everyone's "
                "birthday. She loves drawing, swimming on Saturdays with her "
                "grandmother Ayşe, and building things from Lego with her brother "
                "Łukasz.\nShe is proud that she read a whole chapter book on her own "
                "this term."),
       ""});
  about.items.push_back(
      {"important", "What is important to me",
       longText("Knowing what is going to happen next, especially when the timetable "
                "changes. Having a quiet place to go when the classroom is too noisy. "
                "Being trusted to do jobs in the classroom, like handing out books. "
                "Seeing her friend Siobhán at break time."),
       "In Zoë's own words where possible."});
  about.items.push_back(
      {"support_me", "How best to support me",
       longText("Give one instruction at a time and check she has understood by "
                "asking her to repeat it in her own words. Use her visual timetable "
                "every morning and warn her at least ten minutes before any change. "
                "Offer movement breaks after 20 minutes of seated work. Praise effort "
                "quietly rather than in front of the whole class.\nWhen she is "
                "anxious she may go quiet and put her head down; this is her signal "
                "that she needs a break, not that she is being rude."),
       ""});
  d.sections.push_back(std::move(about));

  PdfSection needs{"2. My needs", "", {}};
  needs.items.push_back(
      {"primary_need", "Primary area of need",
       PdfChoice{{"Communication and interaction", "Cognition and learning",
                  "Social, emotional and mental health", "Sensory and/or physical"},
                 {"Communication and interaction"},
                 false},
       ""});
  needs.items.push_back({"diagnosis", "Diagnosis (if any)",
                         text("Autism spectrum condition (diagnosed 2022, Northbridge CAMHS)"),
                         ""});
  needs.items.push_back({"ehcp", "Education, health and care plan in place", PdfYesNo{false}, ""});
  needs.items.push_back({"medical", "Medical needs", text(std::string()), ""});
  needs.items.push_back(
      {"strengths", "Strengths and current attainment",
       longText("Reading: working at the expected standard; enjoys non-fiction. "
                "Writing: below the expected standard, mainly because of handwriting "
                "stamina; ideas are strong when she can dictate or type. Maths: "
                "secure with number facts to 100, finds multi-step word problems "
                "difficult. Speaking and listening: talks confidently one to one, "
                "rarely contributes in whole-class discussion."),
       ""});
  d.sections.push_back(std::move(needs));

  PdfSection outcomes{"3. Outcomes and provision", "", {}};
  PdfTable t;
  t.columns = {
      {"Outcome", 2.2f}, {"Provision", 2.6f}, {"Who / how often", 1.4f}, {"Progress", 1.6f}};
  t.rows = {
      {"Zoë will ask an adult for help using her help card in 4 out of 5 lessons.",
       "Help card on desk; adults respond within a minute; weekly check-in with TA.",
       "Mrs Kowalczyk (TA), daily", "Uses it in about 3 of 5 lessons."},
      {"Zoë will write a paragraph of five sentences independently.",
       "Daily handwriting programme (10 minutes); access to a laptop for longer pieces.",
       "Class teacher, daily", "New outcome."},
      {"Zoë will manage changes to the timetable without leaving the classroom.",
       "Visual timetable; change warnings; social story about supply teachers.", "All staff",
       "Left the room twice this half term (down from 7)."},
      {"Zoë will take part in a small-group discussion each week.",
       "Lunchtime Lego club (social communication), 30 minutes weekly.", "Mr Ψάρης (ELSA), weekly",
       std::nullopt},
      {"Zoë will use two calming strategies when anxious.",
       "ELSA sessions; calm box in the reading corner; movement breaks.", "ELSA, fortnightly",
       "Chooses the calm box independently."},
  };
  outcomes.items.push_back({"outcomes", "Outcomes for this term", t,
                            "Outcomes are reviewed with Zoë and her family every term."});
  d.sections.push_back(std::move(outcomes));

  PdfSection risk{"4. Safety and evacuation", "", {}};
  risk.items.push_back({"risk_rating", "Overall risk rating",
                        PdfRating{"9 / 25", "Medium", PdfColour{230, 160, 30}},
                        "Likelihood 3 × impact 3, computed from the answers below."});
  risk.items.push_back({"alarm_distress", "Distressed by the fire alarm", PdfYesNo{true}, ""});
  risk.items.push_back(
      {"buddy", "Evacuation buddy", text("Siobhán Murphy (Year 5) and Mrs Юлия Петрова"), ""});
  risk.items.push_back({"route", "Evacuation route",
                        text("Out through the Year 5 fire door, along the field path to assembly "
                             "point B."),
                        ""});
  risk.items.push_back({"ear_defenders", "Ear defenders kept in class", PdfYesNo{true}, ""});
  d.sections.push_back(std::move(risk));

  PdfSection contacts{"5. People involved", "", {}};
  PdfTable c;
  c.columns = {{"Name", 2}, {"Role", 2}, {"Contact", 2.4f}};
  c.rows = {
      {"Ayşe Ağca", "Grandmother (parent/carer)", "ayse.agca@example.org"},
      {"Łukasz Nowak", "Speech and language therapist", "NHS Northbridge SLT team"},
      {"Nguyễn Thị Ánh", "Class teacher", "Oakfield Primary"},
      {"Ærøskøbing Community Clinic", "Occupational therapy", "Referral pending"},
  };
  contacts.items.push_back({"contacts", "", c, ""});
  contacts.items.push_back(
      {"parent_views", "Parent / carer views",
       longText("We are pleased with how settled Zoë has been since Christmas. "
                "Mornings are still hard when she does not know who will be in "
                "class, so the text message the school sends on supply days "
                "really helps. We would like more help with writing at home."),
       ""});
  d.sections.push_back(std::move(contacts));

  d.deadlines = {
      {"Send invitations to the review meeting", Date{year{2026}, month{9}, day{2}}, "Due"},
      {"Collect advice from professionals", Date{year{2026}, month{9}, day{16}}, "Due"},
      {"Hold the review meeting", Date{year{2026}, month{9}, day{30}}, "Not started"}};

  d.signatures = {
      {"SENCO", "Mrs Grace Adeyemi", h.versionDate + hours{2}, "Typed", ""},
      {"Parent / carer", std::nullopt, std::nullopt, std::nullopt, ""},
      {"Pupil", std::nullopt, std::nullopt, std::nullopt, ""},
  };
  return d;
}

}  // namespace sendflow::samples
