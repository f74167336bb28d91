using System.Collections.Generic;
using System.Linq;

namespace TypedModels.Generator.Models;

/// <summary>
/// Where each arena value of a <see cref="ComputePlan"/> lives. Values whose lifetimes do not overlap share a slot (as
/// onnx2c's unionize pass does for C), so a chain of a hundred nodes holds a few intermediates, not a hundred. A value
/// lives from the step that first names it (the step that writes it: steps are in topological order) to the last step
/// that names it or an alias of it; an output lives to the end. A slot holds values of one element type and one symbol
/// signature (<c>batch · seq</c>, say), sized by the largest fixed factor among them, so its size stays one product.
/// </summary>
internal static class ArenaLayout
{
    /// <summary>A slot: its element type, the symbols its size multiplies (sorted, repeated as often as they occur) and the fixed factor.</summary>
    public sealed record Slot(string ElementType, EquatableArray<int> Symbols, long Factor);

    /// <summary>For each value of <paramref name="plan"/>, its slot (-1 for values not in the arena), and the slots; <paramref name="mentions"/> holds the values each step names.</summary>
    public static (int[] SlotOf, List<Slot> Slots) Assign(ComputePlan plan, IReadOnlyList<HashSet<int>> mentions)
    {
        int count = plan.Values.Count;
        var birth = new int[count];
        var death = new int[count];
        for (int v = 0; v < count; v++)
            (birth[v], death[v]) = (int.MaxValue, -1);

        // What storage a value's span is: an alias reads and writes its source's.
        int Root(int v)
        {
            while (plan.Values[v].Storage == Storage.Alias)
                v = plan.Values[v].Source;
            return v;
        }
        for (int s = 0; s < mentions.Count; s++)
        {
            foreach (int v in mentions[s])
            {
                int root = Root(v);
                birth[root] = System.Math.Min(birth[root], s);
                death[root] = System.Math.Max(death[root], s);
            }
        }
        foreach (int output in plan.Outputs)
            death[Root(output)] = int.MaxValue;
        var outputs = new HashSet<int>(plan.Outputs.Select(Root));

        var slotOf = Enumerable.Repeat(-1, count).ToArray();
        var slots = new List<Slot>();
        var freeAfter = new List<int>(); // the step after which each slot's last occupant is dead
        var arena = Enumerable.Range(0, count).Where(v => plan.Values[v].Storage == Storage.Arena).ToList();
        foreach (int v in arena.OrderBy(v => birth[v] == int.MaxValue ? -1 : birth[v]).ThenBy(v => v))
        {
            // A value no step names lives throughout when it is an output (one no step writes, say); otherwise nothing
            // needs it (a step that wrote it was folded into its reader) and it gets no storage.
            if (birth[v] == int.MaxValue && !outputs.Contains(v))
                continue;
            if (birth[v] == int.MaxValue)
                (birth[v], death[v]) = (-1, int.MaxValue);
            var value = plan.Values[v];
            var symbols = value.Shape.Where(d => !d.IsFixed).Select(d => d.Symbol).OrderBy(d => d).ToEquatableArray();
            long factor = value.Shape.Where(d => d.IsFixed).Aggregate(1L, (p, d) => p * d.Value);
            // Freed strictly before this value is written: a kernel never reads and writes one slot in one call.
            int slot = -1;
            for (int k = 0; k < slots.Count && slot < 0; k++)
            {
                if (slots[k].ElementType == value.ElementType && slots[k].Symbols.Equals(symbols) && freeAfter[k] < birth[v])
                    slot = k;
            }
            if (slot < 0)
            {
                slots.Add(new Slot(value.ElementType, symbols, factor));
                freeAfter.Add(death[v]);
                slot = slots.Count - 1;
            }
            else
            {
                slots[slot] = slots[slot] with { Factor = System.Math.Max(slots[slot].Factor, factor) };
                freeAfter[slot] = death[v];
            }
            slotOf[v] = slot;
        }
        return (slotOf, slots);
    }
}
