"""Disputes closed before 18.0.1.1.0 get the day they closed, which the D441-6 table
reads to keep them in row (B) of an earlier closing: the review date for those that
reached it, the day of their last change for those resolved."""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE recouvrement_dispute
           SET date_closed = CASE
                   WHEN state = 'expired' AND date_end IS NOT NULL THEN date_end
                   ELSE write_date::date
               END
         WHERE state IN ('expired', 'resolved') AND date_closed IS NULL
        """
    )
