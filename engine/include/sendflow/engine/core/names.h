// One way to name the values of an enum: a constant table of {value, name} pairs, read both
// ways. Every enum that is written to storage, JSON, definitions or pages is named here, so a
// value and its name are listed once and the reverse parse cannot drift from the forward one.
//
//   inline constexpr auto kColourNames =
//       nameTable<Colour>({{Colour::kRed, "red"}, {Colour::kBlue, "blue"}});
//   kColourNames.nameOf(Colour::kRed)  -> "red"
//   kColourNames.parse("blue")         -> Colour::kBlue;  parse("green") -> nullopt
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sendflow::engine {

template <typename E>
struct NamedValue {
  E value;
  const char* name;
};

template <typename E, std::size_t N>
struct NameTable {
  std::array<NamedValue<E>, N> entries;

  // The name of `e`; nullopt only for a value the table does not list.
  constexpr std::optional<const char*> find(E e) const {
    for (const auto& entry : entries)
      if (entry.value == e) return entry.name;
    return std::nullopt;
  }
  // The name of `e`. REQUIRES: the table lists every value of E (see coversDenseRange()).
  constexpr const char* nameOf(E e) const { return find(e).value_or(entries[0].name); }
  // The value named exactly `name` (case-sensitive); nullopt for any other text.
  constexpr std::optional<E> parse(std::string_view name) const {
    for (const auto& entry : entries)
      if (name == entry.name) return entry.value;
    return std::nullopt;
  }
  // "a, b, c": the names in table order, for messages listing what is allowed.
  std::string joined(std::string_view separator = ", ") const {
    std::string out;
    for (const auto& entry : entries) {
      if (!out.empty()) out += separator;
      out += entry.name;
    }
    return out;
  }
  // True when the table lists the values 0 .. N-1 in order, so nameOf never falls back.
  constexpr bool coversDenseRange() const {
    for (std::size_t i = 0; i < N; ++i)
      if (static_cast<std::size_t>(entries[i].value) != i) return false;
    return true;
  }
};

// A table from a braced list: `constexpr auto kNames = nameTable<Colour>({{Colour::kRed, "red"}});`
template <typename E, std::size_t N>
constexpr NameTable<E, N> nameTable(const NamedValue<E> (&entries)[N]) {
  NameTable<E, N> table{};
  for (std::size_t i = 0; i < N; ++i) table.entries[i] = entries[i];
  return table;
}

}  // namespace sendflow::engine
