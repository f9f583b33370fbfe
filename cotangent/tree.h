// File: cotangent/tree.h
// Containers of tensors (JAX's pytrees): Tensor, std::vector, std::array, std::tuple,
// std::pair, std::map<std::string, ...>, std::optional, nested, and user structs through one
// customization point. Transformations flatten arguments to a list of tensors and rebuild the same structure.
//
// A user struct takes part by declaring, in its own namespace, a function returning its tensor
// fields by reference, and optionally one naming them (for key paths, e.g. in saved files):
//   struct Mlp { Tensor w, b; };
//   auto tree_fields(Mlp& m) { return std::tie(m.w, m.b); }
//   auto tree_field_names(const Mlp&) { return std::array{"w", "b"}; }
// std::optional is a container too: empty, it holds no tensors (JAX's None).

#ifndef COTANGENT_COTANGENT_TREE_H_
#define COTANGENT_COTANGENT_TREE_H_

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"

namespace cotangent {

namespace internal {
// Runs f with prefix extended by key ("key" at the root, "/key" below it), then restores it.
template <typename F>
void WithKey(std::string& prefix, const std::string& key, F&& f) {
  const size_t size = prefix.size();
  if (size != 0) prefix += '/';
  prefix += key;
  f();
  prefix.resize(size);
}
}  // namespace internal

// Flatten appends the leaves in a fixed order; Unflatten rebuilds a value shaped like `like`
// from leaves starting at `it`, advancing it; KeyPaths appends each leaf's key path (children
// by position, map entries by key; cotangent/io.h names saved leaves with them).
template <typename T, typename Enable = void>
struct TreeTraits {
  static_assert(sizeof(T) == 0,
                "not a container of tensors: use Tensor, std::vector, std::array, std::tuple, "
                "std::pair, std::map<std::string, ...> or a struct with tree_fields()");
};

namespace internal {
// The key paths of xs..., the children of a tuple, pair or struct, child i keyed by key(i).
template <typename Key, typename... Xs>
void ChildKeyPaths(std::string& prefix, std::vector<std::string>& out, const Key& key,
                   const Xs&... xs) {
  size_t i = 0;
  ((WithKey(prefix, key(i++), [&] { TreeTraits<Xs>::KeyPaths(xs, prefix, out); })), ...);
}
inline std::string Position(size_t i) { return std::to_string(i); }
}  // namespace internal

template <>
struct TreeTraits<Tensor> {
  static void Flatten(const Tensor& x, std::vector<Tensor>& leaves) { leaves.push_back(x); }
  static Tensor Unflatten(const Tensor&, const Tensor*& it) { return *it++; }
  static void Structure(const Tensor&, std::string& out) { out += '*'; }
  static void KeyPaths(const Tensor&, std::string& prefix, std::vector<std::string>& out) {
    out.push_back(prefix);
  }
};

template <typename T>
struct TreeTraits<std::vector<T>> {
  static void Flatten(const std::vector<T>& xs, std::vector<Tensor>& leaves) {
    for (const T& x : xs) TreeTraits<T>::Flatten(x, leaves);
  }
  static std::vector<T> Unflatten(const std::vector<T>& like, const Tensor*& it) {
    std::vector<T> out;
    out.reserve(like.size());
    for (const T& x : like) out.push_back(TreeTraits<T>::Unflatten(x, it));
    return out;
  }
  static void Structure(const std::vector<T>& xs, std::string& out) {
    out += '[';
    for (const T& x : xs) (TreeTraits<T>::Structure(x, out), out += ',');
    out += ']';
  }
  static void KeyPaths(const std::vector<T>& xs, std::string& prefix,
                       std::vector<std::string>& out) {
    for (size_t i = 0; i < xs.size(); ++i) {
      internal::WithKey(prefix, std::to_string(i),
                        [&] { TreeTraits<T>::KeyPaths(xs[i], prefix, out); });
    }
  }
};

template <typename T, size_t N>
struct TreeTraits<std::array<T, N>> {
  static void Flatten(const std::array<T, N>& xs, std::vector<Tensor>& leaves) {
    for (const T& x : xs) TreeTraits<T>::Flatten(x, leaves);
  }
  static std::array<T, N> Unflatten(const std::array<T, N>& like, const Tensor*& it) {
    std::array<T, N> out = like;
    for (size_t i = 0; i < N; ++i) out[i] = TreeTraits<T>::Unflatten(like[i], it);
    return out;
  }
  static void Structure(const std::array<T, N>& xs, std::string& out) {
    out += '[';
    for (const T& x : xs) (TreeTraits<T>::Structure(x, out), out += ',');
    out += ']';
  }
  static void KeyPaths(const std::array<T, N>& xs, std::string& prefix,
                       std::vector<std::string>& out) {
    for (size_t i = 0; i < xs.size(); ++i) {
      internal::WithKey(prefix, std::to_string(i),
                        [&] { TreeTraits<T>::KeyPaths(xs[i], prefix, out); });
    }
  }
};

template <typename V>
struct TreeTraits<std::map<std::string, V>> {
  static void Flatten(const std::map<std::string, V>& m, std::vector<Tensor>& leaves) {
    for (const auto& [key, value] : m) TreeTraits<V>::Flatten(value, leaves);
  }
  static std::map<std::string, V> Unflatten(const std::map<std::string, V>& like,
                                            const Tensor*& it) {
    std::map<std::string, V> out;
    for (const auto& [key, value] : like) out.emplace(key, TreeTraits<V>::Unflatten(value, it));
    return out;
  }
  static void Structure(const std::map<std::string, V>& m, std::string& out) {
    out += '{';
    for (const auto& [key, value] : m) {
      out += key;
      out += ':';
      TreeTraits<V>::Structure(value, out);
      out += ',';
    }
    out += '}';
  }
  static void KeyPaths(const std::map<std::string, V>& m, std::string& prefix,
                       std::vector<std::string>& out) {
    for (const auto& [key, value] : m) {
      internal::WithKey(prefix, key, [&] { TreeTraits<V>::KeyPaths(value, prefix, out); });
    }
  }
};

template <typename... Ts>
struct TreeTraits<std::tuple<Ts...>> {
  static void Flatten(const std::tuple<Ts...>& t, std::vector<Tensor>& leaves) {
    std::apply([&](const auto&... xs) { (TreeTraits<std::decay_t<decltype(xs)>>::Flatten(xs, leaves), ...); }, t);
  }
  static std::tuple<Ts...> Unflatten(const std::tuple<Ts...>& like, const Tensor*& it) {
    // Braced initialization evaluates left to right, keeping the leaf order.
    return std::apply(
        [&](const auto&... xs) { return std::tuple<Ts...>{TreeTraits<std::decay_t<decltype(xs)>>::Unflatten(xs, it)...}; },
        like);
  }
  static void Structure(const std::tuple<Ts...>& t, std::string& out) {
    out += '(';
    std::apply([&](const auto&... xs) { ((TreeTraits<std::decay_t<decltype(xs)>>::Structure(xs, out), out += ','), ...); }, t);
    out += ')';
  }
  static void KeyPaths(const std::tuple<Ts...>& t, std::string& prefix,
                       std::vector<std::string>& out) {
    std::apply([&](const auto&... xs) { internal::ChildKeyPaths(prefix, out, internal::Position, xs...); }, t);
  }
};

template <typename A, typename B>
struct TreeTraits<std::pair<A, B>> {
  static void Flatten(const std::pair<A, B>& p, std::vector<Tensor>& leaves) {
    TreeTraits<A>::Flatten(p.first, leaves);
    TreeTraits<B>::Flatten(p.second, leaves);
  }
  static std::pair<A, B> Unflatten(const std::pair<A, B>& like, const Tensor*& it) {
    A first = TreeTraits<A>::Unflatten(like.first, it);
    return {std::move(first), TreeTraits<B>::Unflatten(like.second, it)};
  }
  static void Structure(const std::pair<A, B>& p, std::string& out) {
    out += '(';
    TreeTraits<A>::Structure(p.first, out);
    out += ',';
    TreeTraits<B>::Structure(p.second, out);
    out += ')';
  }
  static void KeyPaths(const std::pair<A, B>& p, std::string& prefix,
                       std::vector<std::string>& out) {
    internal::ChildKeyPaths(prefix, out, internal::Position, p.first, p.second);
  }
};

// std::optional: JAX's None when empty (a subtree without leaves), else its value's leaves
// (with no key of its own).
template <typename T>
struct TreeTraits<std::optional<T>> {
  static void Flatten(const std::optional<T>& x, std::vector<Tensor>& leaves) {
    if (x) TreeTraits<T>::Flatten(*x, leaves);
  }
  static std::optional<T> Unflatten(const std::optional<T>& like, const Tensor*& it) {
    if (!like) return std::nullopt;
    return TreeTraits<T>::Unflatten(*like, it);
  }
  static void Structure(const std::optional<T>& x, std::string& out) {
    if (!x) return void(out += "None");
    out += '?';
    TreeTraits<T>::Structure(*x, out);
  }
  static void KeyPaths(const std::optional<T>& x, std::string& prefix,
                       std::vector<std::string>& out) {
    if (x) TreeTraits<T>::KeyPaths(*x, prefix, out);
  }
};

// User structs: tree_fields(s) returns std::tie of the fields (found by argument lookup);
// tree_field_names(s), optional, returns their names (a std::array of strings) for key paths.
template <typename T>
struct TreeTraits<T, std::void_t<decltype(tree_fields(std::declval<T&>()))>> {
  static void Flatten(const T& x, std::vector<Tensor>& leaves) {
    T copy = x;  // fields are tensors and containers of them: cheap handles
    std::apply([&](auto&... fields) { (TreeTraits<std::decay_t<decltype(fields)>>::Flatten(fields, leaves), ...); },
               tree_fields(copy));
  }
  static T Unflatten(const T& like, const Tensor*& it) {
    T out = like;
    std::apply([&](auto&... fields) { ((fields = TreeTraits<std::decay_t<decltype(fields)>>::Unflatten(fields, it)), ...); },
               tree_fields(out));
    return out;
  }
  static void Structure(const T& x, std::string& out) {
    T copy = x;
    out += "S(";
    std::apply([&](auto&... fields) { ((TreeTraits<std::decay_t<decltype(fields)>>::Structure(fields, out), out += ','), ...); },
               tree_fields(copy));
    out += ')';
  }
  // Fields are keyed by the names of tree_field_names(x) when the struct declares it (as
  // tree_fields), else by position.
  static void KeyPaths(const T& x, std::string& prefix, std::vector<std::string>& out) {
    T copy = x;
    auto fields = tree_fields(copy);
    auto key = [&](size_t i) {
      if constexpr (requires { tree_field_names(x); }) {
        const auto names = tree_field_names(x);
        static_assert(std::tuple_size_v<decltype(names)> == std::tuple_size_v<decltype(fields)>,
                      "tree_field_names must name every field of tree_fields");
        return std::string(names[i]);
      } else {
        return internal::Position(i);
      }
    };
    std::apply([&](auto&... f) { internal::ChildKeyPaths(prefix, out, key, f...); }, fields);
  }
};

// Whether T is a container of tensors that TreeTraits takes (without instantiating TreeTraits
// on other types, whose static_assert would stop the build): jit tells its tensor arguments
// from its static ones with it.
template <typename T, typename = void>
struct IsTree : std::false_type {};
template <>
struct IsTree<Tensor> : std::true_type {};
template <typename T>
struct IsTree<std::vector<T>> : IsTree<T> {};
template <typename T, size_t N>
struct IsTree<std::array<T, N>> : IsTree<T> {};
template <typename V>
struct IsTree<std::map<std::string, V>> : IsTree<V> {};
template <typename... Ts>
struct IsTree<std::tuple<Ts...>> : std::conjunction<IsTree<Ts>...> {};
template <typename A, typename B>
struct IsTree<std::pair<A, B>> : std::conjunction<IsTree<A>, IsTree<B>> {};
template <typename T>
struct IsTree<std::optional<T>> : IsTree<T> {};
template <typename T>
struct IsTree<T, std::void_t<decltype(tree_fields(std::declval<T&>()))>> : std::true_type {};

// The shape of a container without its tensors ("[*,*,]" for two tensors in a vector, map
// keys included): with the leaves' types, what jit's cache tells signatures apart by.
template <typename T>
void TreeStructure(const T& tree, std::string& out) {
  TreeTraits<T>::Structure(tree, out);
}

// The tensors of a container, in order.
template <typename T>
std::vector<Tensor> TreeLeaves(const T& tree) {
  std::vector<Tensor> leaves;
  TreeTraits<T>::Flatten(tree, leaves);
  return leaves;
}

// A container shaped like `like` holding `leaves` (as many as like has).
template <typename T>
T TreeUnflatten(const T& like, const std::vector<Tensor>& leaves) {
  const size_t expected = TreeLeaves(like).size();
  if (leaves.size() != expected) {
    ThrowInvalid("tree_unflatten: got ", leaves.size(), " tensors for a container of ", expected);
  }
  const Tensor* it = leaves.data();
  return TreeTraits<T>::Unflatten(like, it);
}

// f applied to every tensor of a container; the structure is kept.
template <typename T, typename F>
T TreeMap(F&& f, const T& tree) {
  std::vector<Tensor> leaves = TreeLeaves(tree);
  for (Tensor& x : leaves) x = f(x);
  return TreeUnflatten(tree, leaves);
}

// f applied to matching tensors of two containers of one structure.
template <typename T, typename F>
T TreeMap(F&& f, const T& a, const T& b) {
  std::vector<Tensor> xs = TreeLeaves(a);
  const std::vector<Tensor> ys = TreeLeaves(b);
  if (xs.size() != ys.size()) {
    ThrowInvalid("tree_map: containers differ (", xs.size(), " and ", ys.size(), " tensors)");
  }
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = f(xs[i], ys[i]);
  return TreeUnflatten(a, xs);
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_TREE_H_
