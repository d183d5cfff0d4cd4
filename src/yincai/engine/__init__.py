"""yincai.engine — pure numpy/scipy analytics (psychometrics, tracking, tiering, grouping...).

Never imports Django: the web apps pull arrays in bulk and hand them to these estimators.
"""
