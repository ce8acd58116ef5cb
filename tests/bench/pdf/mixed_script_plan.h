// The representative 3-page plan of sample_plan.h with its people and their words in the
// languages of the families and professionals around an English school (issue 16): labels,
// headings and the school's own text stay English; the parent's and professionals' answers are in
// Urdu, Arabic, Bengali, Chinese, Polish, Somali, Tigrinya and Punjabi (Gurmukhi and Shahmukhi),
// names are written in their own scripts, one table mixes them cell by cell and the typed
// signatures are names in Urdu, Arabic and Bengali. Same sections, items and table shapes as
// samplePlan(), so the two renders can be compared side by side.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "sample_plan.h"

namespace sendflow::samples {

// The non-Latin strings the mixed plan carries, each exactly as typed: a benchmark checks how
// many of them pdftotext gives back from each renderer's PDF.
inline const std::vector<std::string>& mixedScriptNeedles() {
  static const std::vector<std::string> needles = {
      "زینب حسین",
      "نسرین اختر",
      "فاطمة الزهراء",
      "রুমানা বেগম",
      "王小明",
      "ሳባ ተስፋይ",
      "ਹਰਪ੍ਰੀਤ ਕੌਰ",
      "Agnieszka Wójcik",
      "Cabdi Xasan Maxamed",
      "زینب کو اسکول جانا بہت پسند ہے۔",
      "نحن سعداء جدا بتقدم ابنتنا هذا العام.",
      "আমার মেয়ে গণিত খুব ভালোবাসে",
      "她在学校交了很多好朋友",
      "Logopeda zaleca ćwiczenia słuchowe dwa razy w tygodniu.",
      "Gabadhayadu waxay jeceshahay sheekooyinka xayawaanka.",
      "ጓልና ኣብ ቤት ትምህርቲ ሕጉስቲ እያ።",
      "ਸਾਡੀ ਧੀ ਨੂੰ ਤੈਰਾਕੀ ਬਹੁਤ ਪਸੰਦ ਹੈ।",
      "ساڈی دھی نوں تیراکی بہت پسند اے۔",
  };
  return needles;
}

inline engine::PdfDocument mixedScriptPlan() {
  using namespace engine;
  engine::PdfDocument d = samplePlan();
  auto longText = [](std::string v) { return PdfItemContent{PdfLongText{std::move(v)}}; };
  auto text = [](std::string v) { return PdfItemContent{PdfText{std::move(v)}}; };
  auto item = [&](const std::string& id) -> PdfItem& {
    for (auto& s : d.sections)
      for (auto& it : s.items)
        if (it.id == id) return it;
    throw std::logic_error("mixedScriptPlan: no item " + id);
  };

  d.header.pupilName = "Zainab Hussain (زینب حسین)";
  d.sections[0].intro = "Written with Zainab and her family in February 2026, with an interpreter.";
  item("preferred_name").content = text("Zainab — زینب");
  item("languages").content =
      PdfChoice{{"English", "Urdu", "Punjabi", "Other"}, {"English", "Urdu", "Punjabi"}, true};
  // The parent's views, in Urdu (Nastaliq), then Punjabi in both of its scripts.
  item("likes").content = longText(
      "زینب کو اسکول جانا بہت پسند ہے۔ وہ اپنی ہم جماعت لڑکیوں کے ساتھ کھیلنا پسند کرتی ہے اور "
      "جانوروں کے بارے میں سب کچھ جانتی ہے۔ وہ ہفتے کے دن اپنی نانی کے ساتھ تیراکی کرنے جاتی ہے۔\n"
      "ਸਾਡੀ ਧੀ ਨੂੰ ਤੈਰਾਕੀ ਬਹੁਤ ਪਸੰਦ ਹੈ। ਉਹ ਸ਼ੋਰ ਵਾਲੀਆਂ ਥਾਵਾਂ ਤੇ ਘਬਰਾ ਜਾਂਦੀ ਹੈ।\n"
      "ساڈی دھی نوں تیراکی بہت پسند اے۔ اوہ رولے والیاں تھاواں تے گھبرا جاندی اے۔");
  item("important").content = longText(
      "وہ صبح کے وقت پریشان ہو جاتی ہے جب اسے معلوم نہ ہو کہ کلاس میں کون ہوگا۔ "
      "ہم گھر پر اس کے ساتھ روزانہ پڑھتے ہیں اور ہم چاہتے ہیں کہ اسکول ہر تبدیلی سے پہلے ہمیں "
      "بتائے۔");
  // The grandmother's view in Arabic (right to left, with a number inside the line).
  item("support_me").content = longText(
      "نحن سعداء جدا بتقدم ابنتنا هذا العام. تحتاج إلى مزيد من الدعم في الكتابة، ونود أن نعرف "
      "كيف يمكننا مساعدتها في المنزل. تستطيع أن تركز لمدة 20 دقيقة ثم تحتاج إلى استراحة قصيرة.\n"
      "Give one instruction at a time and check she has understood; use her visual timetable "
      "every morning.");
  item("diagnosis").content = text("Autism spectrum condition (diagnosed 2022, Northbridge CAMHS)");
  // Professionals' answers: a bilingual teaching assistant in Bengali, a speech and language
  // therapist in Polish (with the English summary the school keeps).
  item("strengths").content = longText(
      "আমার মেয়ে গণিত খুব ভালোবাসে, কিন্তু লম্বা লেখার কাজে সে তাড়াতাড়ি ক্লান্ত হয়ে পড়ে। "
      "বাড়িতে আমরা প্রতিদিন দশ মিনিট হাতের লেখা অনুশীলন করি।\n"
      "Logopeda zaleca ćwiczenia słuchowe dwa razy w tygodniu. Źródłem trudności jest "
      "przetwarzanie poleceń złożonych; dziewczynka świetnie radzi sobie z pojedynczymi "
      "instrukcjami.");

  // The outcomes table: each professional's progress note in their own language.
  auto& outcomes = std::get<PdfTable>(item("outcomes").content);
  outcomes.rows[0][3] =
      "她在学校交了很多好朋友，但是换老师的时候会很紧张。请提前告诉她课程表的变化。";
  outcomes.rows[1][3] = "Pisze samodzielnie trzy zdania; używa laptopa do dłuższych tekstów.";
  outcomes.rows[2][2] = "ሳባ ተስፋይ (TA), ኩሉ መዓልቲ";
  outcomes.rows[2][3] = "ጓልና ኣብ ቤት ትምህርቲ ሕጉስቲ እያ። ኣብ ገዛ ምስኣ ኣብ መዓልቲ ዓሰርተ ደቒቕ ነንብብ።";
  outcomes.rows[3][3] = "Gabadhayadu waxay jeceshahay sheekooyinka xayawaanka.";
  outcomes.rows[4][3] = "সে নিজে থেকেই শান্ত বাক্সটি বেছে নেয়।";

  item("buddy").content = text("王小明 (Year 5) and Mrs ਹਰਪ੍ਰੀਤ ਕੌਰ");

  // People involved: names in their own scripts.
  auto& contacts = std::get<PdfTable>(item("contacts").content);
  contacts.rows = {
      {"نسرین اختر", "Mother (parent/carer)", "nasreen.akhtar@example.org"},
      {"فاطمة الزهراء", "Grandmother (parent/carer)", "Arabic interpreter booked"},
      {"রুমানা বেগম", "Bilingual teaching assistant", "Oakfield Primary"},
      {"Agnieszka Wójcik", "Speech and language therapist", "NHS Northbridge SLT team"},
      {"Cabdi Xasan Maxamed", "Family support worker", "Northbridge Early Help"},
      {"ሳባ ተስፋይ", "Teaching assistant", "Oakfield Primary"},
  };
  item("parent_views").content = longText(
      "Waxaan jeclaan lahayn in aan helno warbixin toddobaadle ah oo ku saabsan horumarka "
      "akhriska. Gabadhayadu waxay jeceshahay sheekooyinka xayawaanka.\n"
      "我们希望学校每周告诉我们她的阅读进步。她非常喜欢关于动物的故事。");

  // Typed signatures: the names as the signers typed them.
  d.signatures = {
      {"SENCO", "Mrs Grace Adeyemi", d.header.versionDate + std::chrono::hours{2}, "Typed", ""},
      {"Parent / carer", "نسرین اختر", d.header.versionDate + std::chrono::hours{26}, "Typed", ""},
      {"Parent / carer", "فاطمة الزهراء", d.header.versionDate + std::chrono::hours{27}, "Typed",
       ""},
      {"Bilingual teaching assistant", "রুমানা বেগম", d.header.versionDate + std::chrono::hours{29},
       "Typed", ""},
      {"Pupil", "زینب حسین", d.header.versionDate + std::chrono::hours{28}, "Typed", ""},
  };
  return d;
}

}  // namespace sendflow::samples
