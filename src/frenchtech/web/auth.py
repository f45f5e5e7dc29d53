"""Authentication backend that loads a person's profile and team with the account (one query per
request instead of three)."""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ProgrammeBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = get_user_model()._default_manager.select_related("profile__team").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
