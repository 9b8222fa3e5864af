{{ quarantine_rows(ref('base_raw__survey_responses'), [
    'response_id',
    'customer_id',
    'responded_at',
    'question',
    'score',
]) }}
