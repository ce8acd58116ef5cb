// Shared by the fuzz targets (tests/fuzz/*.cpp): the real form and workflow definitions of the
// checkout, loaded once, and the fixed context every target validates against.
//
// Each target is a thin wrapper over the public functions the server itself runs on untrusted
// bytes. A target returns normally for any input the server answers with a clean 4xx; anything
// else (a crash, a sanitizer report, an exception the server would turn into a 500, a broken
// invariant) aborts and is a finding. Built twice: as a libFuzzer binary (preset `fuzz`) and,
// with the ordinary compiler, into a replay test that runs every corpus and regression input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "app/definition_folders.h"
#include "i18n/language_list.h"
#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/people/model.h"

#ifndef SENDFLOW_SOURCE_ROOT
#error "SENDFLOW_SOURCE_ROOT must point at the checkout (forms/, workflows/)"
#endif

namespace sendflow::fuzz {

// forms/ and workflows/ of the checkout, as the server loads them at start.
inline const engine::DefinitionRegistry& definitions() {
  static const engine::DefinitionRegistry registry = sendflow::web::loadDefinitionFolders(
      std::string(SENDFLOW_SOURCE_ROOT) + "/forms",
      std::string(SENDFLOW_SOURCE_ROOT) + "/workflows",
      sendflow::web::offeredLanguages(SENDFLOW_SOURCE_ROOT "/translations"));
  return registry;
}

// A fixed day, so that a run is reproducible whatever the date.
inline engine::Date today() {
  using namespace std::chrono;
  return year_month_day{year{2026}, month{11}, day{30}};
}

inline const engine::Pupil& pupil() {
  static const engine::Pupil p{7,   1, "Zoë Example", "Zoë", "2015-03-14", "6", "A123456789012",
                               true};
  return p;
}

// A broken invariant: print it and abort, so libFuzzer keeps the input.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

inline std::string text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace sendflow::fuzz
