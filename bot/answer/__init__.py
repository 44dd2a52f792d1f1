"""The answer stage: a question and a loaded index in, an `Answer` of verbatim passages out.

In the order a question passes through them: `query` (the value types: query terms, candidates,
ranking), `cues` (the answer type a question wants), `ranking` (candidates, their features and
order), `trees` (the fitted tree models both use), `decision` (answer or refuse), `passages` (Passage,
Answer, quoting ranked sentences), `answerer` (the Answerer that runs them), `examples` (questions
drawn from the index) and `live` (an answerer that follows the corpus folder).
"""
