// Directed graphs over dense vertex numbers 0..n-1, held in Boost.Graph: the entity graph (part_of, within)
// and the publisher ownership graph are built as Digraphs to find cycles and to close hierarchies once,
// when a snapshot is compiled.
#pragma once

#include <cstdint>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

namespace bantrack {

class Digraph {
 public:
  explicit Digraph(size_t vertex_count);

  void AddEdge(uint32_t from, uint32_t to);
  size_t vertex_count() const { return boost::num_vertices(graph_); }

  // Every cycle, one per strongly connected component that has one: the component's lowest vertex first,
  // followed by the vertices of a shortest path back to it. Self-loops count as one-vertex cycles.
  std::vector<std::vector<uint32_t>> Cycles() const;

  // A vertex reached from a start vertex, and the vertex before it on a shortest path from the start
  // (the start itself has previous == vertex).
  struct Reached {
    uint32_t vertex;
    uint32_t previous;
  };
  // Breadth-first: every vertex reachable from `start` along edges, `start` first. Appends to `out`.
  // Not thread-safe (reuses scratch space); costs time proportional to the part of the graph reached.
  void Reach(uint32_t start, std::vector<Reached>& out) const;

 private:
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  Graph graph_;
  mutable std::vector<boost::default_color_type> colors_;
};

// Cycles of an adjacency list (adjacency[v] = targets of v's edges), as Digraph::Cycles.
std::vector<std::vector<uint32_t>> FindCycles(const std::vector<std::vector<uint32_t>>& adjacency);

}  // namespace bantrack
