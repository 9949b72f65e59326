"""Face anti-spoofing quality (issue 15): how well a model tells live faces from attacks.

``metrics`` turns live scores and labels into accuracy, APCER, BPCER and ACER (ISO/IEC
30107-3, as the PTA paper reports them); ``data`` reads a folder of labelled face crops;
``evaluate`` runs models (eager or through an exported artifact) over it; ``train`` makes a
small seeded PTA checkpoint to evaluate. ``bench evaluate`` (bench/cli/cmd_evaluate.py)
is the command on top.
"""
