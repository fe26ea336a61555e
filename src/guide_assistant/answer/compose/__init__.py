"""The compose stage (extractive): the candidate sentences of the hits scored and ranked,
the draft's sentences chosen (a list, the best few, each document's best), and the answer
laid out with its citations, a local document's quotes apart under their own line."""
