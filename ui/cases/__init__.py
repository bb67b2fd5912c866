"""Cases: the case list (案件列表, ``list_page``) and the case view (``case_view``)."""
