package redos

# Patterns that make backtracking regex engines take exponential time on a
# run of "a"s that ends in "b".  RE2 matches in time linear in the input.
nested_plus := regex.match(`(a+)+$`, input.text)

alternation := regex.match(`^(a|aa)+$`, input.text)

# a found substring is fine: the engine answers it too
found := regex.find_n(`a+b`, input.text, 1)
