"""The web console for the association's staff (issue #13).

`vigie run` serves it with aiohttp next to the bot. Admins get in through a one-time
link sent by the bot (`/console`); every page is server-rendered, every script and
style is served from `static/`, nothing comes from another origin.
"""
