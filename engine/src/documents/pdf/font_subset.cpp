// FontFace::subset: HarfBuzz's hb-subset (over the preprocessed face once there is one).
#include <hb-subset.h>
#include <hb.h>

#include <memory>

#include "font_face.h"
#include "sendflow/engine/core/error.h"

namespace sendflow::engine::pdf {
namespace {

template <typename T, void (*Destroy)(T*)>
struct HbDeleter {
  void operator()(T* p) const { Destroy(p); }
};
using Input =
    std::unique_ptr<hb_subset_input_t, HbDeleter<hb_subset_input_t, hb_subset_input_destroy>>;
using Plan = std::unique_ptr<hb_subset_plan_t, HbDeleter<hb_subset_plan_t, hb_subset_plan_destroy>>;
using Face = std::unique_ptr<hb_face_t, HbDeleter<hb_face_t, hb_face_destroy>>;
using Blob = std::unique_ptr<hb_blob_t, HbDeleter<hb_blob_t, hb_blob_destroy>>;

[[noreturn]] void fail(const char* what) {
  throw InfraError(std::string("HarfBuzz could not subset a font: ") + what);
}

Input subsetInput(const std::vector<std::uint32_t>& glyphs,
                  const std::vector<std::uint32_t>& dropTables) {
  Input in(hb_subset_input_create_or_fail());
  if (!in) fail("no memory");
  hb_set_t* glyphSet = hb_subset_input_glyph_set(in.get());
  for (std::uint32_t g : glyphs) hb_set_add(glyphSet, g);
  hb_set_t* drop = hb_subset_input_set(in.get(), HB_SUBSET_SETS_DROP_TABLE_TAG);
  for (std::uint32_t tag : dropTables) hb_set_add(drop, tag);
  // Viewers scale outlines themselves; the instructions are a third of DejaVu's glyph data.
  hb_subset_input_set_flags(in.get(), HB_SUBSET_FLAGS_NO_HINTING);
  return in;
}

}  // namespace

SubsetFont FontFace::subset(const std::vector<std::uint32_t>& glyphs) const {
  Input in = subsetInput(glyphs, dropTables_);
  Plan plan(hb_subset_plan_create_or_fail(subsetSource(), in.get()));
  if (!plan) fail("planning");
  Face face(hb_subset_plan_execute_or_fail(plan.get()));
  if (!face) fail("writing");
  Blob blob(hb_face_reference_blob(face.get()));
  unsigned len = 0;
  const char* data = hb_blob_get_data(blob.get(), &len);
  if (!data || len == 0) fail("empty result");
  SubsetFont out{std::string(data, len), {}};
  const hb_map_t* oldToNew = hb_subset_plan_old_to_new_glyph_mapping(plan.get());
  out.glyphs.reserve(glyphs.size());
  for (std::uint32_t g : glyphs) {
    hb_codepoint_t n = hb_map_get(oldToNew, g);
    out.glyphs.push_back(n == HB_MAP_VALUE_INVALID ? 0 : n);
  }
  return out;
}

}  // namespace sendflow::engine::pdf
