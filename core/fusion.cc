// File: core/fusion.cc
// PlanFusion: one pass in program order over union-find groups. Every group keeps the
// elementwise groups it depends on, transitively (`deps`): an equation may join a set M of
// elementwise groups when none of its operands from outside M and none of M's groups depends
// on a group of M. Then no value of the merged group is computed from another of its values
// through an outside equation, so the groups stay acyclic and can be ordered. A group's deps
// grow when it merges, after readers copied them: each record carries the group's stamp when
// copied, and a stale record is followed into the group's current deps.

#include "core/fusion.h"

#include <algorithm>
#include <queue>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/types/span.h"

namespace cotangent {
namespace {

// Group id (before merges) -> the group's stamp when the dependence was recorded.
using Deps = absl::flat_hash_map<int, int64_t>;

class Planner {
 public:
  Planner(const Program& program, const FusionOptions& options)
      : program_(program),
        options_(options),
        producer_(program.avals.size(), -1),
        parent_(program.eqns.size()),
        groups_(program.eqns.size()) {
    for (size_t e = 0; e < program.eqns.size(); ++e) {
      for (int32_t var : program.eqns[e].outputs) producer_[var] = static_cast<int>(e);
    }
  }

  std::vector<FusionGroup> Run() {
    for (size_t e = 0; e < program_.eqns.size(); ++e) Place(static_cast<int>(e));
    return Assemble();
  }

 private:
  struct Group {
    bool elementwise = false;
    Shape shape;
    FusedSize size;
    std::vector<int32_t> inputs;  // variables read from outside, each once
    Deps deps;                    // elementwise groups depended on (ids before merges)
    int64_t stamp = 0;            // changes whenever deps grow
  };

  int Find(int g) {
    while (parent_[g] != g) g = parent_[g] = parent_[parent_[g]];
    return g;
  }

  static bool Contains(absl::Span<const int> roots, int g) {
    return std::find(roots.begin(), roots.end(), g) != roots.end();
  }

  // The distinct variables among eqn's operands, in order.
  static std::vector<int32_t> VarOperands(const Equation& eqn) {
    std::vector<int32_t> vars;
    for (const Atom& a : eqn.inputs) {
      if (!a.is_literal() && std::find(vars.begin(), vars.end(), a.var) == vars.end()) {
        vars.push_back(a.var);
      }
    }
    return vars;
  }

  // The group that computes var, or -1 for an input or constant of the program.
  int GroupOf(int32_t var) { return producer_[var] < 0 ? -1 : Find(producer_[var]); }

  // Records a dependence on group `id` as of `stamp`, keeping the current record of two.
  void Record(Deps& deps, int id, int64_t stamp) {
    auto [it, inserted] = deps.try_emplace(id, stamp);
    if (!inserted && stamp == groups_[Find(id)].stamp) it->second = stamp;
  }

  // Whether `deps` reach one of `roots`: directly, or through a group grown since recorded.
  bool Reaches(const Deps& deps, absl::Span<const int> roots, absl::flat_hash_set<int>& seen) {
    for (const auto& [id, stamp] : deps) {
      const int r = Find(id);
      if (Contains(roots, r)) return true;
      if (stamp != groups_[r].stamp && seen.insert(r).second &&
          Reaches(groups_[r].deps, roots, seen)) {
        return true;
      }
    }
    return false;
  }

  // Whether var is computed from a value of one of `roots`.
  bool DependsOn(int32_t var, absl::Span<const int> roots) {
    const int g = GroupOf(var);
    if (g < 0) return false;
    if (Contains(roots, g)) return true;
    absl::flat_hash_set<int> seen;
    return Reaches(groups_[g].deps, roots, seen);
  }

  // Adds the elementwise groups var is computed from to deps.
  void AddDeps(Deps& deps, int32_t var) {
    const int g = GroupOf(var);
    if (g < 0) return;
    if (groups_[g].elementwise) Record(deps, g, groups_[g].stamp);
    for (const auto& [id, stamp] : groups_[g].deps) Record(deps, id, stamp);
  }

  // Complex equations run as several real ones (core/complex_eval.h): no fused kernel holds one.
  bool TouchesComplex(const Equation& eqn) const {
    for (const Atom& a : eqn.inputs) {
      if (IsComplex(program_.AvalOf(a).dtype)) return true;
    }
    return IsComplex(program_.avals[eqn.outputs[0]].dtype);
  }

  std::optional<DType> MathOf(const Equation& eqn) const {
    if (!options_.math) return std::nullopt;
    const DType in = program_.AvalOf(eqn.inputs[eqn.prim == Primitive::kSelect ? 1 : 0]).dtype;
    return options_.math(eqn.prim, IsHalfFloat(in) ? DType::kF32 : in);
  }

  // Equation e into a group of its own, or into its operands' elementwise groups.
  void Place(int e) {
    const Equation& eqn = program_.eqns[e];
    parent_[e] = e;
    Group& group = groups_[e];
    group.elementwise = eqn.outputs.size() == 1 &&
                        Fuses(eqn.prim, program_.avals[eqn.outputs[0]], options_.limits) &&
                        !TouchesComplex(eqn);
    const std::vector<int32_t> vars = VarOperands(eqn);
    if (group.elementwise) {
      const ShapedArray& out = program_.avals[eqn.outputs[0]];
      group.shape = out.shape;
      std::vector<int> candidates;
      for (int32_t var : vars) {
        const int g = GroupOf(var);
        if (g >= 0 && groups_[g].elementwise && groups_[g].shape == out.shape &&
            !Contains(candidates, g)) {
          candidates.push_back(g);
        }
      }
      if (!candidates.empty() && TryJoin(e, vars, candidates)) return;
      for (int g : candidates) {
        if (candidates.size() > 1 && TryJoin(e, vars, {g})) return;
      }
    }
    group.inputs = vars;
    group.size = {static_cast<int>(vars.size()), 1, group.elementwise ? MathOf(eqn) : std::nullopt};
    for (int32_t var : vars) AddDeps(group.deps, var);
  }

  // Merges equation e (operands `vars`) and the groups `roots` into one group, if allowed.
  bool TryJoin(int e, const std::vector<int32_t>& vars, std::vector<int> roots) {
    for (int32_t var : vars) {
      if (!Contains(roots, GroupOf(var)) && DependsOn(var, roots)) return false;
    }
    for (int r : roots) {
      absl::flat_hash_set<int> seen;
      if (Reaches(groups_[r].deps, roots, seen)) return false;
    }
    std::optional<FusedSize> size = FusedSize{0, 1, MathOf(program_.eqns[e])};
    std::vector<int32_t> inputs;
    const auto add_input = [&](int32_t var) {
      if (std::find(inputs.begin(), inputs.end(), var) == inputs.end()) inputs.push_back(var);
    };
    for (int r : roots) {
      size = Combine(*size, {0, groups_[r].size.equations, groups_[r].size.math});
      if (!size) return false;
      for (int32_t var : groups_[r].inputs) add_input(var);
    }
    for (int32_t var : vars) {
      if (!Contains(roots, GroupOf(var))) add_input(var);
    }
    size->inputs = static_cast<int>(inputs.size());
    if (!WithinLimits(*size, options_.limits)) return false;
    const int root = roots[0];
    Group& into = groups_[root];
    const size_t known = into.deps.size();
    for (size_t k = 1; k < roots.size(); ++k) {
      parent_[roots[k]] = root;
      for (const auto& [id, stamp] : groups_[roots[k]].deps) Record(into.deps, id, stamp);
      groups_[roots[k]] = Group{};
    }
    parent_[e] = root;
    into.size = *size;
    into.inputs = std::move(inputs);
    for (int32_t var : vars) {
      if (GroupOf(var) != root) AddDeps(into.deps, var);
    }
    if (roots.size() > 1 || into.deps.size() != known) into.stamp = ++stamps_;
    return true;
  }

  // The groups with their inputs and outputs, ordered so that each follows its inputs'
  // groups (the first equations first among those ready).
  std::vector<FusionGroup> Assemble() {
    const int n = static_cast<int>(program_.eqns.size());
    std::vector<std::vector<int>> members(n);
    for (int e = 0; e < n; ++e) members[Find(e)].push_back(e);
    // Which groups read each variable (-2: a program output).
    std::vector<std::vector<int>> readers(program_.avals.size());
    for (int e = 0; e < n; ++e) {
      for (int32_t var : VarOperands(program_.eqns[e])) readers[var].push_back(Find(e));
    }
    for (const Atom& a : program_.outvars) {
      if (!a.is_literal()) readers[a.var].push_back(-2);
    }
    std::vector<FusionGroup> groups(n);
    std::vector<int> waiting(n, 0);  // input groups not yet placed
    std::vector<std::vector<int>> consumers(n);
    for (int r = 0; r < n; ++r) {
      if (members[r].empty()) continue;
      FusionGroup& g = groups[r];
      g.elementwise = groups_[r].elementwise;
      g.shape = groups_[r].shape;
      g.eqns = members[r];
      absl::flat_hash_set<int> from;
      for (int e : members[r]) {
        for (const Atom& a : program_.eqns[e].inputs) {
          const int p = a.is_literal() ? -1 : GroupOf(a.var);
          if (p == r || std::find(g.inputs.begin(), g.inputs.end(), a) != g.inputs.end()) continue;
          g.inputs.push_back(a);
          if (p >= 0 && from.insert(p).second) consumers[p].push_back(r);
        }
        for (int32_t var : program_.eqns[e].outputs) {
          const std::vector<int>& read_by = readers[var];
          if (std::any_of(read_by.begin(), read_by.end(), [&](int q) { return q != r; })) {
            g.outputs.push_back(var);
          }
        }
      }
      waiting[r] = static_cast<int>(from.size());
    }
    std::vector<FusionGroup> plan;
    std::priority_queue<int, std::vector<int>, std::greater<int>> ready;  // by first equation
    for (int r = 0; r < n; ++r) {
      if (!members[r].empty() && waiting[r] == 0) ready.push(members[r][0]);
    }
    while (!ready.empty()) {
      const int r = Find(ready.top());
      ready.pop();
      for (int c : consumers[r]) {
        if (--waiting[c] == 0) ready.push(members[c][0]);
      }
      plan.push_back(std::move(groups[r]));
    }
    return plan;  // every group: the groups are acyclic (see the file comment)
  }

  const Program& program_;
  const FusionOptions& options_;
  std::vector<int> producer_;  // by variable: the equation defining it, or -1
  std::vector<int> parent_;    // by equation: union-find over groups
  std::vector<Group> groups_;  // by root equation
  int64_t stamps_ = 0;
};

}  // namespace

std::vector<FusionGroup> PlanFusion(const Program& program, const FusionOptions& options) {
  return Planner(program, options).Run();
}

}  // namespace cotangent
